"""Reference figures (statsmodels ``results`` style); each with the call that produced it."""

from __future__ import annotations

# R survey, fpc example (?svydesign):
#   fpc <- data.frame(x = c(2.8, 4.1, 6.8, 6.8, 9.2, 3.7, 6.6, 4.2),
#                     stratid = rep(1:2, c(5, 3)), Nh = rep(c(15, 12), c(5, 3)))
#   svymean(~x, svydesign(id = ~1, strata = ~stratid, fpc = ~Nh, data = fpc))   # 5.4481 0.6160
#   svymean(~x, svydesign(id = ~1, strata = ~stratid, weights = ~I(Nh/c(5,3)[stratid]),
#                         data = fpc))                                         # SE 0.7413
FPC_X = (2.8, 4.1, 6.8, 6.8, 9.2, 3.7, 6.6, 4.2)
FPC_STRATUM = (0, 0, 0, 0, 0, 1, 1, 1)
FPC_N = (15.0, 12.0)
FPC_MEAN = 5.4481
FPC_SE = 0.6160
FPC_SE_NOFPC = 0.7413

# R survey, tests/testoutput/api.Rout.saved:
#   dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
#   svymean(~api00, dstrat); confint(svymean(~api00, dstrat), df = degf(dstrat))
#   svytotal(~enroll, dstrat)
API00_MEAN = 662.29
API00_SE = 9.4089
API00_DF = 197
API00_CI = (643.73, 680.84)
ENROLL_TOTAL = 3687178
ENROLL_SE = 114642

# Saaty (1990) "How to make a decision: the analytic hierarchy process", EJOR 48, 9–26,
# relative consumption of drinks in the United States; order coffee, wine, tea, beer, soda,
# milk, water. Published weights and CR (RI(7) = 1.32).
SAATY_ORDER = ("coffee", "wine", "tea", "beer", "soda", "milk", "water")
SAATY_MATRIX = (
    (1, 9, 5, 2, 1, 1, 1 / 2),
    (1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9),
    (1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9),
    (1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3),
    (1, 9, 4, 2, 1, 2, 1 / 2),
    (1, 9, 3, 1, 1 / 2, 1, 1 / 3),
    (2, 9, 9, 3, 2, 3, 1),
)
SAATY_WEIGHTS = (0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327)
SAATY_CR = 0.022

# Cronbach's alpha, hand-computable: 5 respondents × 3 items.
#   library(psych); alpha(data.frame(a = 1:5, b = c(2, 3, 3, 5, 4), c = c(3, 3, 4, 4, 5)))
# item variances 2.5, 1.3, 0.7 (sum 4.5); total scores 6, 8, 10, 13, 14 → variance 11.2;
# raw_alpha = 3/2 · (1 − 4.5/11.2) = 0.8973214; alpha if "a" dropped: 2 · (1 − 2.0/4.0) = 0.75.
ALPHA_DATA = ((1, 2, 3), (2, 3, 3), (3, 3, 4), (4, 5, 4), (5, 4, 5))
ALPHA = 0.8973214285714286
ALPHA_IF_DELETED_A = 0.75
