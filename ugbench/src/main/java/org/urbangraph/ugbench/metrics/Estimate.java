package org.urbangraph.ugbench.metrics;

/**
 * A metric's value over a set of questions with its bootstrap 95 % interval, and what chance would score on the same
 * questions (each question's candidates ranked uniformly at random).
 */
public record Estimate(double value, double low, double high, double chance) {}
