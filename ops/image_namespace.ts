// `tf.image`: the image builders, gathered from the modules that declare them.
export * from './image.js';
export * from './image_extra.js';
export * from './nms.js';
export * from './patches.js';
export * from './resize_extra.js';
export * from './crop_and_resize.js';
