// Weights trained in PyTorch, into a neurite network of the same architecture. The file is a
// state_dict saved as safetensors (safetensors.torch.save_file(model.state_dict(), path)), with
// PyTorch's names: "0.weight" of an nn.Sequential, "conv1.bias", "lstm.weight_ih_l1_reverse",
// "bn.running_var". Layouts need no change: neurite keeps PyTorch's for every layer (Linear's
// (out, in), Conv2d's (out, in, kh, kw), the RNN / LSTM / GRU gate orders).
//
// Matching: the state_dict's modules, each with its tensors, are paired with the network's layers
// that hold tensors, in order. The modules' order is `module_order` when given, otherwise their
// names sorted as nn.Sequential numbers them ("2" before "10"; names compared piece by piece). A
// multi-layer nn.LSTM / GRU / RNN gives one module per layer (_l0, _l1, ...), matched to stacked
// neurite layers. Every tensor must find its place with the same shape, and every place be filled
// (batch norm's int64 num_batches_tracked too, as a float): otherwise an Error names both sides.
#pragma once
#include <string>
#include <vector>

#include "neurite/network.h"

namespace neurite {

struct ImportedTensor {
  std::string neurite_name;  // "3.weight_hh_reverse"
  std::string torch_name;    // "lstm.weight_hh_l1_reverse"
  Shape shape;
};

// Reads the state_dict at `path` into `network`'s parameters and buffers; returns what went where.
std::vector<ImportedTensor> import_torch_state_dict(const std::string& path, Network& network,
                                                    const std::vector<std::string>& module_order = {});

}  // namespace neurite
