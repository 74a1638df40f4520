# Seed 000's script, run on neurite: only the two import lines differ from the seed's
# (`import mnist_loader`, `import network`). MNIST's IDX files come from $NEURITE_MNIST, else
# data/mnist.
from neurite.nielsen import mnist_loader
from neurite.nielsen import network

training_data, validation_data, test_data = mnist_loader.load_data_wrapper()
net = network.Network([784, 30, 10])
net.SGD(training_data, 30, 10, 3.0, test_data=test_data)
