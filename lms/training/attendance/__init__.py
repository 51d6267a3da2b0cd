"""Sessions of a class, check-in codes and the roster, leave and the 1/7 rule, attendance
rates, and the learner's own classes."""
