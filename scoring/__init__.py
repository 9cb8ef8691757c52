"""Pure scoring maths: rubric, calibration, ranking, award allocation. Imports nothing of ours."""
