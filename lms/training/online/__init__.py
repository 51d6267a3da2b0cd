"""Online special classes (网络专题班): published courses bundled for a cohort with dates."""
