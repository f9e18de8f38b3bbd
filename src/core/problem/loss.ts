/** The training losses the engine states P(θ) for (MATH.md §1, §8). */
export type LossName = 'squared' | 'hinge' | 'logistic' | 'cross-entropy' | 'huber';
