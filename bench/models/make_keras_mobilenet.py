# Writes keras_mobilenet_025_128.pb: tf.keras.applications.MobileNet(alpha=0.25, input_shape=(128, 128, 3),
# weights=None) (random initial weights, seed 0), frozen with convert_variables_to_constants_v2: the TF-written
# graph bench/compile.js compiles next to the Kiln-built ones. Run: /work/venv/bin/python bench/models/make_keras_mobilenet.py
import os
import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

tf.keras.utils.set_random_seed(0)
model = tf.keras.applications.MobileNet(alpha=0.25, input_shape=(128, 128, 3), weights=None)
fn = tf.function(lambda x: model(x, training=False)).get_concrete_function(tf.TensorSpec([1, 128, 128, 3], tf.float32, name='input'))
frozen = convert_variables_to_constants_v2(fn)
gd = frozen.graph.as_graph_def()
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, 'keras_mobilenet_025_128.pb'), 'wb') as f:
    f.write(gd.SerializeToString())
print(len(gd.node), 'nodes; output', frozen.outputs[0].name, 'input', frozen.inputs[0].name)
