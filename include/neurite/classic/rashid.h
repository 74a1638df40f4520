// Rashid's worked example (seed 003, "Make Your Own Neural Network"): three inputs, three
// hidden and three output neurons, sigmoid everywhere, no biases, and fixed weights, so every
// number on the page can be checked by hand.
#pragma once
#include <span>
#include <vector>

#include "neurite/network.h"

namespace neurite {

struct RashidExample {
  std::vector<double> input;         // I = (0.9, 0.1, 0.8)
  std::vector<double> hidden_input;  // X_hidden = W_input_hidden . I
  std::vector<double> hidden;        // O_hidden = sigmoid(X_hidden)
  std::vector<double> output_input;  // X_output = W_hidden_output . O_hidden
  std::vector<double> output;        // O_output = sigmoid(X_output)
};

// The 3-3-3 network (dense, sigmoid, dense, sigmoid) with the book's weights. Rows of each
// matrix are the receiving neurons, which is also neurite's (out, in) weight layout.
Network make_rashid_network();

// Runs layers [begin, end) of `net` on one sample. Running [0, 2) gives the hidden activation,
// which Network::forward does not hand out.
std::vector<double> run_layers(Network& net, std::size_t begin, std::size_t end,
                               std::span<const double> sample);

// One step of Rashid's NeuralNetwork.train on one sample, his rule exactly, for his network
// (dense, sigmoid, dense, sigmoid, no biases), with e = target - output:
//   W_ho += rate * (e * o (1 - o)) h^T
//   W_ih += rate * ((W_ho^T e) * h (1 - h)) x^T      (W_ho before its update)
// The hidden layer receives the output errors "split by the weights", without the output's
// sigmoid slope o (1 - o): his simplification, not the exact gradient that Network::backward
// gives. The seed's code learns by this rule, so the Python module's rashid.NeuralNetwork does.
void rashid_train_step(Network& net, std::span<const float> input, std::span<const float> target, double rate);

// The book's forward pass, on the book's input.
RashidExample run_rashid_example();

}  // namespace neurite
