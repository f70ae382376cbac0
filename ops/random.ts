// tf.random: seeded, counter-based (Philox4x32-10, as TensorFlow) so every executor can reproduce the numbers.
export {};
