// tf.nn: activations, BiasAdd, softmax and the cross-entropies.
export {};
