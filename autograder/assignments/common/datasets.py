"""The course's two small data sets (columns: cgpa, profile score, target).

regression: the seed data of the lecture (target: package in LPA). Row order matters: SGD
visits rows in this order.
classification: a placement data set made for this course (target: placed 1 / not 0).
Students with both a good CGPA and a good profile score tend to be placed; two rows break
the pattern (a strong profile with a weak CGPA placed, a high CGPA with a weak profile not),
so the classes are not perfectly separable by either feature alone.
"""

import numpy as np

REGRESSION = np.array([[8.0, 8.0, 4.0], [7.0, 9.0, 5.0], [6.0, 10.0, 6.0], [5.0, 15.0, 7.0]])

CLASSIFICATION = np.array(
    [
        [8.1, 8.5, 1.0],
        [5.2, 4.1, 0.0],
        [7.4, 6.9, 1.0],
        [6.1, 3.8, 0.0],
        [8.8, 7.6, 1.0],
        [5.9, 6.2, 0.0],
        [6.4, 9.1, 1.0],
        [8.3, 4.4, 0.0],
    ]
)

DATASETS = {"regression": REGRESSION, "classification": CLASSIFICATION}
