"""The year's training plan (年度干部教育培训计划): items by category with planned classes,
trainee-times and budget, published by the organisation department, against what was held."""
