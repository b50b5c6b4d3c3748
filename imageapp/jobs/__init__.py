"""Background jobs on Huey: the broker from the settings, the jobs, their records, workers."""
