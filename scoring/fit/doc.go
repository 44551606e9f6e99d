// Package fit fits scorecards from outcomes, in the open: monotone bins by
// weight of evidence, a logistic regression on the bins' weights, points
// scaled so that a fixed number of points doubles the odds, validation on a
// held-out split and a fairness audit at the benefit's cut-off.
//
// Outcomes are 1 for the bad outcome (a default within the horizon) and 0
// for the good one. Weights of evidence follow Siddiqi: ln(%good / %bad),
// so a positive weight means lower risk, and a higher score is better.
package fit
