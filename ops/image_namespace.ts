// `tf.image`: the image builders, gathered from the modules that declare them.
export * from './image.js';
export * from './image_extra.js';
