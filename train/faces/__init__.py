"""The LBPH face model: datasets, calibration, training, enrolment, evaluation."""
