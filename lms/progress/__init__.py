"""Study tracking: enrolment, server-side crediting of study time, completion, study hours."""
