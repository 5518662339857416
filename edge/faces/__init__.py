"""Finding, framing, naming and tracking faces; the YuNet download."""
