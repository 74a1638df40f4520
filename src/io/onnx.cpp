#include "neurite/io/onnx.h"

#include <map>
#include <span>

#include "neurite/error.h"
#include "neurite/io/atomic_file.h"
#include "neurite/layers/batchnorm.h"
#include "neurite/layers/pool2d.h"
#include "neurite/layers/recurrent.h"
#include "protobuf_writer.h"

namespace neurite {

namespace {

// Field numbers of onnx.proto (ONNX 1.12) that the writer uses.
namespace field {
constexpr int kModelIrVersion = 1, kModelProducerName = 2, kModelProducerVersion = 3, kModelGraph = 7,
              kModelOpsetImport = 8;
constexpr int kOpsetVersion = 2;
constexpr int kGraphNode = 1, kGraphName = 2, kGraphInitializer = 5, kGraphInput = 11, kGraphOutput = 12;
constexpr int kNodeInput = 1, kNodeOutput = 2, kNodeName = 3, kNodeOpType = 4, kNodeAttribute = 5;
constexpr int kAttributeName = 1, kAttributeFloat = 2, kAttributeInt = 3, kAttributeString = 4, kAttributeFloats = 7,
              kAttributeInts = 8, kAttributeStrings = 9, kAttributeType = 20;
constexpr int kTensorDims = 1, kTensorDataType = 2, kTensorName = 8, kTensorRawData = 9;
constexpr int kValueName = 1, kValueType = 2;
constexpr int kTypeTensor = 1, kTensorTypeElemType = 1, kTensorTypeShape = 2;
constexpr int kShapeDim = 1, kDimValue = 1, kDimParam = 2;
}  // namespace field
constexpr int64_t kFloatType = 1, kInt64Type = 7;  // TensorProto.DataType
// AttributeProto.AttributeType
constexpr int64_t kAttributeFloat = 1, kAttributeInt = 2, kAttributeString = 3, kAttributeFloats = 6, kAttributeInts = 7,
                  kAttributeStrings = 8;

constexpr int64_t kAnySteps = -1;  // a sequence length left free in the graph's input and output

struct Attribute {
  std::string name;
  enum { Float, Int, Ints, Floats, Text, Texts } kind = Int;
  std::vector<int64_t> ints = {};
  std::vector<float> floats = {};
  std::vector<std::string> texts = {};
};
Attribute int_attribute(const std::string& name, int64_t value) { return {name, Attribute::Int, {value}}; }
Attribute ints_attribute(const std::string& name, std::vector<int64_t> values) {
  return {name, Attribute::Ints, std::move(values)};
}
Attribute float_attribute(const std::string& name, float value) { return {name, Attribute::Float, {}, {value}}; }
Attribute floats_attribute(const std::string& name, std::vector<float> values) {
  return {name, Attribute::Floats, {}, std::move(values)};
}
Attribute text_attribute(const std::string& name, std::string value) { return {name, Attribute::Text, {}, {}, {std::move(value)}}; }
Attribute texts_attribute(const std::string& name, std::vector<std::string> values) {
  return {name, Attribute::Texts, {}, {}, std::move(values)};
}
Attribute pair_attribute(const std::string& name, const Size2& s) { return ints_attribute(name, {s.h, s.w}); }

// The graph as it is built: nodes in order, the weights as initializers, a fresh name per value.
class GraphBuilder {
 public:
  std::string constant(const std::string& name, const std::vector<float>& values, const Shape& dims) {
    return initializer(name, dims, kFloatType, std::as_bytes(std::span(values)));
  }
  std::string constant(const std::string& name, const Tensor& values) {
    return initializer(name, values.shape(), kFloatType, std::as_bytes(values.span()));
  }
  // A 1-D int64 tensor, such as Reshape's target shape.
  std::string int64_constant(const std::string& name, const std::vector<int64_t>& values) {
    return initializer(name, {static_cast<int64_t>(values.size())}, kInt64Type, std::as_bytes(std::span(values)));
  }

  // Adds a node; returns the name of its one output.
  std::string node(const std::string& op, const std::vector<std::string>& inputs, const std::vector<Attribute>& attributes = {}) {
    return node_with_outputs(op, inputs, attributes, {true}).front();
  }
  // Adds a node with several outputs, `wanted` saying which are used; an unused one gets the
  // empty name ONNX gives an omitted optional output. Returns the names (empty where unused).
  std::vector<std::string> node_with_outputs(const std::string& op, const std::vector<std::string>& inputs,
                                             const std::vector<Attribute>& attributes, const std::vector<bool>& wanted) {
    const std::string stem = "t" + std::to_string(next_++);
    std::vector<std::string> outputs;
    for (std::size_t k = 0; k < wanted.size(); ++k)
      outputs.push_back(wanted[k] ? (k == 0 ? stem : stem + "_" + std::to_string(k)) : std::string());
    proto::Writer n;
    for (const std::string& in : inputs) n.text(field::kNodeInput, in);
    for (const std::string& out : outputs) n.text(field::kNodeOutput, out);
    n.text(field::kNodeName, op + "_" + stem);
    n.text(field::kNodeOpType, op);
    for (const Attribute& a : attributes) n.message(field::kNodeAttribute, encoded(a));
    graph_.message(field::kGraphNode, n);
    return outputs;
  }

  std::string fresh(const std::string& stem) { return stem + std::to_string(next_++); }

  // The graph with its input and output named and typed (the batch a free dimension).
  proto::Writer finished(const Shape& input, const std::string& last, const Shape& output) {
    // The output is the last node's value under the name "output".
    proto::Writer n;
    n.text(field::kNodeInput, last);
    n.text(field::kNodeOutput, "output");
    n.text(field::kNodeName, "output");
    n.text(field::kNodeOpType, "Identity");
    graph_.message(field::kGraphNode, n);
    graph_.text(field::kGraphName, "neurite");
    graph_.message(field::kGraphInput, value_info("input", input));
    graph_.message(field::kGraphOutput, value_info("output", output));
    return graph_;
  }

 private:
  // A weight or constant: its dims, element type and raw little-endian bytes (this machine's order).
  std::string initializer(const std::string& name, const Shape& dims, int64_t type, std::span<const std::byte> raw) {
    proto::Writer t;
    t.packed_integers(field::kTensorDims, dims);
    t.integer(field::kTensorDataType, type);
    t.text(field::kTensorName, name);
    t.bytes_of(field::kTensorRawData, {reinterpret_cast<const uint8_t*>(raw.data()), raw.size()});
    graph_.message(field::kGraphInitializer, t);
    return name;
  }

  static proto::Writer encoded(const Attribute& a) {
    proto::Writer w;
    w.text(field::kAttributeName, a.name);
    switch (a.kind) {
      case Attribute::Float:
        w.real(field::kAttributeFloat, a.floats.at(0));
        w.integer(field::kAttributeType, kAttributeFloat);
        break;
      case Attribute::Int:
        w.integer(field::kAttributeInt, a.ints.at(0));
        w.integer(field::kAttributeType, kAttributeInt);
        break;
      case Attribute::Ints:
        w.packed_integers(field::kAttributeInts, a.ints);
        w.integer(field::kAttributeType, kAttributeInts);
        break;
      case Attribute::Floats:  // repeated, one field each (onnx.proto is proto2: not packed)
        for (const float f : a.floats) w.real(field::kAttributeFloats, f);
        w.integer(field::kAttributeType, kAttributeFloats);
        break;
      case Attribute::Text:
        w.text(field::kAttributeString, a.texts.at(0));
        w.integer(field::kAttributeType, kAttributeString);
        break;
      case Attribute::Texts:
        for (const std::string& t : a.texts) w.text(field::kAttributeStrings, t);
        w.integer(field::kAttributeType, kAttributeStrings);
        break;
    }
    return w;
  }

  static proto::Writer value_info(const std::string& name, const Shape& sample) {
    proto::Writer shape;
    proto::Writer batch;
    batch.text(field::kDimParam, "batch");
    shape.message(field::kShapeDim, batch);
    for (const int64_t d : sample) {  // kAnySteps: a free dimension "steps"
      proto::Writer dim;
      if (d == kAnySteps)
        dim.text(field::kDimParam, "steps");
      else
        dim.integer(field::kDimValue, d);
      shape.message(field::kShapeDim, dim);
    }
    proto::Writer tensor;
    tensor.integer(field::kTensorTypeElemType, kFloatType);
    tensor.message(field::kTensorTypeShape, shape);
    proto::Writer type;
    type.message(field::kTypeTensor, tensor);
    proto::Writer info;
    info.text(field::kValueName, name);
    info.message(field::kValueType, type);
    return info;
  }

  proto::Writer graph_;
  int next_ = 0;
};

// ---- the input preparation, as operators in front of the network

std::string scaled(GraphBuilder& g, const std::string& x, const std::vector<float>& shift, const std::vector<float>& scale,
                   const Shape& dims) {
  const std::string centred = g.node("Sub", {x, g.constant(g.fresh("shift"), shift, dims)});
  return g.node("Div", {centred, g.constant(g.fresh("scale"), scale, dims)});
}

std::string prepared_input(GraphBuilder& g, const ModelInfo& info, const std::string& x) {
  const Preparation& p = info.preparation;
  if (info.task == kCharLmTask) return x;  // one-hot characters go in as they are
  if (p.kind == "pixels") {  // pixel values 0..255 as neurite's scale_pixel maps them
    const std::string unit = g.node("Div", {x, g.constant("pixel_divisor", {255.0f}, {})});
    if (info.scale == InputScale::Unit) return unit;
    if (info.scale == InputScale::Rashid)
      return g.node("Add", {g.node("Mul", {unit, g.constant("rashid_range", {0.99f}, {})}), g.constant("rashid_floor", {0.01f}, {})});
    return scaled(g, unit, {0.1307f}, {0.3081f}, {});
  }
  if (p.kind == "table") {
    std::vector<float> shift, scale;
    for (const FeatureColumn& c : p.columns) {
      if (c.type != ColumnType::Numeric)
        throw Error("the table's column '" + c.name + "' is categorical: its one-hot encoding of text is not exported to ONNX");
      shift.push_back(c.shift), scale.push_back(c.scale);
    }
    return scaled(g, x, shift, scale, {static_cast<int64_t>(shift.size())});
  }
  if (p.kind == "array" || p.kind == "image") {  // (v / divisor - shift[c]) / scale[c], as apply_array_scaling
    if (p.shift.empty()) return x;  // nothing was fitted: the values go in as they are
    const auto channels = static_cast<int64_t>(p.shift.size());
    Shape dims;
    if (channels == p.input_size()) {
      dims = p.sample_shape;  // one shift and scale per value
    } else if (!p.sample_shape.empty() && channels == p.sample_shape[0]) {
      dims = Shape(p.sample_shape.size(), 1);  // one per channel, broadcast over the rest
      dims[0] = channels;
    } else {
      throw Error("the array preparation's " + std::to_string(channels) + " channels do not divide its sample shape " +
                  to_string(p.sample_shape));
    }
    const std::string unit = g.node("Div", {x, g.constant("divisor", {p.divisor}, {})});
    return scaled(g, unit, p.shift, p.scale, dims);
  }
  throw Error("the " + p.kind + " preparation is not exported to ONNX");
}

// A regression's outputs mapped back from training units, as `neurite predict` prints them.
std::string unscaled_output(GraphBuilder& g, const ModelInfo& info, const std::string& y) {
  const Preparation& p = info.preparation;
  if (p.task != Task::Regression || p.target_scale.empty()) return y;
  const Shape dims = {static_cast<int64_t>(p.target_scale.size())};
  const std::string spread = g.node("Mul", {y, g.constant("target_scale", p.target_scale, dims)});
  return g.node("Add", {spread, g.constant("target_shift", p.target_shift, dims)});
}

// ---- the recurrent layers: ONNX's RNN, LSTM and GRU operators

// PyTorch's gate blocks (neurite's order) as ONNX orders them: LSTM i f g o -> i o f c,
// GRU r z n -> z r h.
std::vector<int64_t> onnx_gate_order(CellKind cell) {
  switch (cell) {
    case CellKind::Lstm: return {0, 3, 1, 2};
    case CellKind::Gru: return {1, 0, 2};
    case CellKind::Rnn: break;
  }
  return {0};
}

// Appends the gate blocks of `t` ((G*H, cols) or (G*H)) in ONNX's gate order.
void append_gates(std::vector<float>& out, const Tensor& t, const RecurrentOptions& o) {
  const int64_t block = o.hidden * (t.rank() == 2 ? t.dim(1) : 1);
  for (const int64_t gate : onnx_gate_order(o.cell))
    out.insert(out.end(), t.data() + gate * block, t.data() + (gate + 1) * block);
}

std::vector<Attribute> recurrent_attributes(const RecurrentOptions& o, int64_t directions) {
  const std::string direction = directions == 2 ? "bidirectional" : o.reverse ? "reverse" : "forward";
  std::vector<Attribute> attributes = {int_attribute("hidden_size", o.hidden), text_attribute("direction", direction)};
  // neurite's GRU (as PyTorch's) applies the reset gate to W_hn h + b_hn, after the product.
  if (o.cell == CellKind::Gru) attributes.push_back(int_attribute("linear_before_reset", 1));
  if (o.cell == CellKind::Rnn) {  // f: tanh (ONNX's default), relu, or identity as Affine(1 x + 0)
    const std::string f = o.activation == ActivationKind::ReLU ? "Relu" : o.activation == ActivationKind::Identity ? "Affine" : "Tanh";
    attributes.push_back(texts_attribute("activations", std::vector<std::string>(static_cast<std::size_t>(directions), f)));
    if (f == "Affine") {
      attributes.push_back(floats_attribute("activation_alpha", std::vector<float>(static_cast<std::size_t>(directions), 1.0f)));
      attributes.push_back(floats_attribute("activation_beta", std::vector<float>(static_cast<std::size_t>(directions), 0.0f)));
    }
  }
  return attributes;
}

// One recurrent layer, one direction or both, on x (N, T, F): ONNX's operators take the sequence
// time-major (their batch-major layout is optional and not every runtime has it), so x is
// transposed in and the result out. Every step: Y (T, D, N, H) -> (N, T, D*H), the directions
// side by side as neurite's Bidirectional concatenates them. Last step: Y_h (D, N, H) -> (N, D*H),
// the reverse direction's last step being input step 0, as in neurite.
std::string exported_recurrent(GraphBuilder& g, const std::vector<Recurrent*>& halves, const std::string& x,
                               const std::string& stem) {
  const RecurrentOptions& o = halves.front()->options();
  const auto directions = static_cast<int64_t>(halves.size());
  const int64_t gates = halves.front()->gates() * o.hidden;
  std::vector<float> w, r, b;
  for (Recurrent* half : halves) {
    append_gates(w, half->weight_ih(), o);
    append_gates(r, half->weight_hh(), o);
    append_gates(b, half->bias_ih(), o);
    append_gates(b, half->bias_hh(), o);
  }
  static const std::map<CellKind, std::string> op = {{CellKind::Rnn, "RNN"}, {CellKind::Lstm, "LSTM"}, {CellKind::Gru, "GRU"}};
  const std::string time_major = g.node("Transpose", {x}, {ints_attribute("perm", {1, 0, 2})});
  const std::vector<std::string> outputs = g.node_with_outputs(
      op.at(o.cell),
      {time_major, g.constant(stem + "W", w, {directions, gates, o.in}), g.constant(stem + "R", r, {directions, gates, o.hidden}),
       g.constant(stem + "B", b, {directions, 2 * gates})},
      recurrent_attributes(o, directions), {o.sequences, !o.sequences});
  if (o.sequences) {
    const std::string batch_major = g.node("Transpose", {outputs[0]}, {ints_attribute("perm", {2, 0, 1, 3})});
    return g.node("Reshape", {batch_major, g.int64_constant(g.fresh("shape"), {0, 0, -1})});
  }
  const std::string batch_major = g.node("Transpose", {outputs[1]}, {ints_attribute("perm", {1, 0, 2})});
  return g.node("Reshape", {batch_major, g.int64_constant(g.fresh("shape"), {0, -1})});
}

// ---- the layers

std::string exported_layer(GraphBuilder& g, Layer& layer, const Shape& input, const std::string& x, std::size_t index) {
  const std::string type = layer.type();
  const std::string stem = std::to_string(index) + ".";
  if (type == "dense") {
    std::vector<Parameter> params = layer.parameters();
    const std::string weight = g.constant(stem + "weight", *params.at(0).value);
    const bool bias = params.size() > 1;
    if (input.size() == 1) {  // (N, in): Gemm computes x W^T + b as neurite's dense does
      std::vector<std::string> inputs = {x, weight};
      if (bias) inputs.push_back(g.constant(stem + "bias", *params[1].value));
      return g.node("Gemm", inputs, {int_attribute("transB", 1)});
    }
    // A sequence (N, T, in): every step through the same weights.
    const std::string product = g.node("MatMul", {x, g.node("Transpose", {weight}, {ints_attribute("perm", {1, 0})})});
    return bias ? g.node("Add", {product, g.constant(stem + "bias", *params[1].value)}) : product;
  }
  if (type == "sigmoid") return g.node("Sigmoid", {x});
  if (type == "tanh") return g.node("Tanh", {x});
  if (type == "relu") return g.node("Relu", {x});
  if (type == "identity" || type == "dropout") return g.node("Identity", {x});  // dropout: gone at inference
  if (type == "softmax") return g.node("Softmax", {x}, {int_attribute("axis", -1)});
  if (type == "step") {  // the perceptron's 1 where x > 0, else 0
    const std::string above = g.node("Greater", {x, g.constant(g.fresh("zero"), {0.0f}, {})});
    return g.node("Cast", {above}, {int_attribute("to", kFloatType)});
  }
  if (type == "flatten") return g.node("Flatten", {x}, {int_attribute("axis", 1)});
  if (type == "conv2d") {  // the same (out, in, kh, kw) weights, zero padding on both sides
    auto& conv = dynamic_cast<Conv2d&>(layer);
    const Conv2dOptions& o = conv.options();
    std::vector<std::string> inputs = {x, g.constant(stem + "weight", conv.weight())};
    if (o.bias) inputs.push_back(g.constant(stem + "bias", conv.bias()));
    return g.node("Conv", inputs, {pair_attribute("kernel_shape", o.kernel), pair_attribute("strides", o.stride),
                                    ints_attribute("pads", {o.padding.h, o.padding.w, o.padding.h, o.padding.w})});
  }
  if (type == "maxpool2d" || type == "avgpool2d") {  // no padding: every window lies inside the input
    const auto& pool = dynamic_cast<Pool2d&>(layer);
    return g.node(type == "maxpool2d" ? "MaxPool" : "AveragePool", {x},
                  {pair_attribute("kernel_shape", pool.kernel()), pair_attribute("strides", pool.stride())});
  }
  if (type == "batchnorm") {  // inference: the running statistics
    auto& bn = dynamic_cast<BatchNorm&>(layer);
    const int64_t n = bn.options().features;
    const Tensor ones = Tensor({n}, 1.0f), zeros = Tensor({n}, 0.0f);
    const bool affine = bn.options().affine;
    return g.node("BatchNormalization",
                  {x, g.constant(stem + "weight", affine ? bn.weight() : ones), g.constant(stem + "bias", affine ? bn.bias() : zeros),
                   g.constant(stem + "running_mean", bn.running_mean()), g.constant(stem + "running_var", bn.running_var())},
                  {float_attribute("epsilon", static_cast<float>(bn.options().eps))});
  }
  if (auto* both = dynamic_cast<Bidirectional*>(&layer))
    return exported_recurrent(g, {&both->forward_half(), &both->backward_half()}, x, stem);
  if (auto* one = dynamic_cast<Recurrent*>(&layer)) return exported_recurrent(g, {one}, x, stem);
  throw Error("layer " + std::to_string(index) + " (" + type + ") is not exported to ONNX");
}

}  // namespace

std::vector<uint8_t> onnx_model_bytes(Model& model) {
  GraphBuilder g;
  Network& net = model.network;
  std::string x = prepared_input(g, model.info, "input");
  Shape shape = net.input_shape();
  for (std::size_t i = 0; i < net.layer_count(); ++i) {
    x = exported_layer(g, net.layer(i), shape, x, i);
    shape = net.layer(i).output_shape(shape);
  }
  x = unscaled_output(g, model.info, x);
  Shape input = model.info.preparation.kind == "table"
                    ? Shape{static_cast<int64_t>(model.info.preparation.columns.size())}
                    : net.input_shape();
  Shape output = net.output_shape();
  if (model.info.task == kCharLmTask) {  // a language model reads text of any length: steps left free
    input.front() = kAnySteps;
    if (output.size() == 2) output.front() = kAnySteps;
  }
  proto::Writer opset;
  opset.integer(field::kOpsetVersion, kOnnxOpset);
  proto::Writer m;
  m.integer(field::kModelIrVersion, kOnnxIrVersion);
  m.text(field::kModelProducerName, "neurite");
  m.text(field::kModelProducerVersion, "0.1");
  m.message(field::kModelGraph, g.finished(input, x, output));
  m.message(field::kModelOpsetImport, opset);
  return m.bytes();
}

void export_onnx(Model& model, const std::string& path) {
  const std::vector<uint8_t> bytes = onnx_model_bytes(model);
  write_file_atomically(path, bytes);
}

}  // namespace neurite
