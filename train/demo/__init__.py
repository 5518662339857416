"""``edgecam demo`` and the tutorial-style loop the bench measures against."""
