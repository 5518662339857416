"""Setting a camera up from the live page: the ROI, the face library, live enrolment."""
