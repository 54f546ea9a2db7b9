"""The main job (`stackcheck gate`): synth, scan, deploy to the emulator, post-deploy checks, teardown, and reports/gate.md."""
