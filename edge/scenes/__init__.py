"""Generated camera-like scenes (digit cards, clips) for the demo, the bench and the tests; no torch."""
