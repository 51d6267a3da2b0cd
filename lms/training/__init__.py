"""Training administration: the year's plan, training classes from proposal to filing,
compulsory assignment (调训), attendance, money, online special classes, evaluations and the
district's figures. Sub-packages hold each part; `models.py` and `labels.py` are shared."""
