#include "tandem/models/functional.h"

#include <set>

#include "tandem/core/join.h"
#include "tandem/layers/registry.h"
#include "tandem/layers/shape_inference.h"

namespace tandem {
namespace {

bool is_input_node(const Node& node) { return node.inputs.empty(); }

std::string tensor_ref(const KerasTensor& t) {
  return t.node()->layer->name() + "[" + std::to_string(t.node()->node_index) + "][" +
         std::to_string(t.index()) + "]";
}

}  // namespace

Functional::Functional(std::vector<KerasTensor> inputs, std::vector<KerasTensor> outputs,
                       std::string name)
    : Model("Functional", {.name = name.empty() ? unique_layer_name("model") : name}),
      inputs_(std::move(inputs)),
      outputs_(std::move(outputs)) {
  TANDEM_CHECK(!inputs_.empty() && !outputs_.empty(), ValueError,
               "Model: expected at least one input and one output, received ", inputs_.size(),
               " inputs and ", outputs_.size(), " outputs");
  set_autocast(false);  // as Keras's graph models: each layer casts its own inputs
  std::set<const Node*> input_nodes;
  for (const KerasTensor& t : inputs_) {
    TANDEM_CHECK(t.defined() && is_input_node(*t.node()), ValueError,
                 "Model: inputs must be tensors returned by Input(); received ",
                 t.defined() ? "the output of layer '" + t.node()->layer->name() + "'"
                             : std::string("an undefined tensor"));
    if (input_nodes.insert(t.node().get()).second) nodes_.push_back(t.node());
  }
  // Post-order DFS from the outputs gives a topological order; reaching an Input that is not a
  // model input means the graph is disconnected.
  std::set<const Node*> visited(input_nodes.begin(), input_nodes.end());
  std::function<void(const std::shared_ptr<Node>&, const std::string&)> visit =
      [&](const std::shared_ptr<Node>& node, const std::string& consumer) {
        if (visited.count(node.get())) return;
        if (is_input_node(*node)) {
          std::string names = join(inputs_, [](const KerasTensor& t) -> const std::string& {
            return t.node()->layer->name();
          });
          throw ValueError("Graph disconnected: cannot obtain a value for '" + node->layer->name() +
                           "' needed by layer '" + consumer + "'; the model's inputs are [" +
                           names + "]");
        }
        visited.insert(node.get());
        for (const KerasTensor& in : node->inputs) visit(in.node(), node->layer->name());
        nodes_.push_back(node);
      };
  for (const KerasTensor& t : outputs_) {
    TANDEM_CHECK(t.defined(), ValueError, "Model: an output is an undefined tensor");
    visit(t.node(), "(model output)");
  }
  // Every input must feed some output.
  std::set<const Node*> used;
  for (const auto& node : nodes_)
    for (const KerasTensor& in : node->inputs) used.insert(in.node().get());
  for (const KerasTensor& t : outputs_) used.insert(t.node().get());
  for (const KerasTensor& t : inputs_)
    TANDEM_CHECK(used.count(t.node().get()), ValueError, "Model: input '", t.node()->layer->name(),
                 "' is not connected to any output");
  for (const auto& node : nodes_) {
    bool seen = false;
    for (const auto& l : layers_) seen |= l == node->layer;
    if (seen) continue;
    layers_.push_back(node->layer);
    track_layer(node->layer->name(), node->layer);
  }
  Layer::build({});
}

Tensors Functional::call(const Tensors& inputs, const CallContext&) {
  TANDEM_CHECK(inputs.size() == inputs_.size(), ValueError, "Model '", name(), "' expects ",
               inputs_.size(), " inputs, received ", inputs.size());
  std::map<std::pair<const Node*, int>, Tensor> values;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    const KerasTensor& t = inputs_[i];
    // The InputLayer checks rank and dtype; known dimensions must match too.
    Tensor x = (*t.node()->layer)(inputs[i]);
    for (int d = 1; d < t.shape().rank(); ++d)
      TANDEM_CHECK(t.shape()[d] < 0 || t.shape()[d] == x.shape()[d], ShapeError, "Model '", name(),
                   "': input '", t.node()->layer->name(), "' expects shape ", t.shape().to_string(),
                   ", received ", x.shape().to_string());
    values[{t.node().get(), 0}] = x;
  }
  for (const auto& node : nodes_) {
    if (is_input_node(*node)) continue;
    Tensors ins;
    for (const KerasTensor& in : node->inputs)
      ins.push_back(values.at({in.node().get(), in.index()}));
    Tensors outs = (*node->layer)(ins);  // training flag inherited from this call
    for (size_t k = 0; k < outs.size(); ++k) values[{node.get(), static_cast<int>(k)}] = outs[k];
  }
  Tensors result;
  for (const KerasTensor& t : outputs_) result.push_back(values.at({t.node().get(), t.index()}));
  return result;
}

std::vector<OutputSpec> Functional::compute_output_spec(const std::vector<Shape>& input_shapes,
                                                        const std::vector<DType>& input_dtypes) {
  TANDEM_CHECK(input_shapes.size() == inputs_.size() && input_dtypes.size() == inputs_.size(),
               ValueError, "Model '", name(), "' expects ", inputs_.size(), " inputs, received ",
               input_shapes.size(), " input shapes");
  // The graph's nodes in order, each layer giving its outputs from its input specs.
  std::map<std::pair<const Node*, int>, OutputSpec> values;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    const KerasTensor& t = inputs_[i];
    // The InputLayer checks rank and dtype; known dimensions must agree (the more known wins).
    t.node()->layer->infer_output_spec({input_shapes[i]}, {input_dtypes[i]});
    std::vector<int64_t> dims = t.shape().as_list();
    for (int d = 0; d < t.shape().rank(); ++d) {
      std::optional<int64_t> merged = layers::merge_dim(dims[d], input_shapes[i][d]);
      TANDEM_CHECK(merged.has_value(), ShapeError, "Model '", name(), "': input '",
                   t.node()->layer->name(), "' expects shape ", t.shape().to_string(),
                   ", received ", input_shapes[i].to_string());
      dims[d] = *merged;
    }
    values[{t.node().get(), 0}] = {Shape(dims), t.dtype()};
  }
  for (const auto& node : nodes_) {
    if (is_input_node(*node)) continue;
    std::vector<Shape> shapes;
    std::vector<DType> dtypes;
    for (const KerasTensor& in : node->inputs) {
      const OutputSpec& v = values.at({in.node().get(), in.index()});
      shapes.push_back(v.shape);
      dtypes.push_back(v.dtype);
    }
    std::vector<OutputSpec> outs = node->layer->infer_output_spec(shapes, dtypes);
    for (size_t k = 0; k < outs.size(); ++k) values[{node.get(), static_cast<int>(k)}] = outs[k];
  }
  std::vector<OutputSpec> result;
  for (const KerasTensor& t : outputs_) result.push_back(values.at({t.node().get(), t.index()}));
  return result;
}

std::vector<Shape> Functional::compute_output_shape(const std::vector<Shape>& input_shapes) {
  std::vector<DType> dtypes;
  for (const KerasTensor& t : inputs_) dtypes.push_back(t.dtype());
  std::vector<Shape> shapes;
  for (OutputSpec& spec : compute_output_spec(input_shapes, dtypes))
    shapes.push_back(std::move(spec.shape));
  return shapes;
}

bool Functional::sequential_like() const {
  // Keras prints a plain table when the graph is a chain: one input per node, no branches.
  std::map<const Node*, int> depth;
  std::set<int> depths;
  for (const auto& node : nodes_) {
    if (node->inputs.size() > 1) return false;
    int d = node->inputs.empty() ? 0 : depth[node->inputs[0].node().get()] + 1;
    depth[node.get()] = d;
    if (!depths.insert(d).second) return false;
  }
  return true;
}

std::vector<Model::SummaryRow> Functional::summary_rows() const {
  std::vector<SummaryRow> rows;
  for (const auto& layer : layers_) {
    std::vector<const Node*> calls;
    for (const auto& node : nodes_)
      if (node->layer == layer) calls.push_back(node.get());
    SummaryRow row{
        layer->name() + " (" + layer->class_name() + ")", "multiple", layer->count_params(), {}};
    if (calls.size() == 1) {
      row.output_shape = keras_shape_text(calls[0]->output_shapes);
      if (is_input_node(*calls[0])) row.output_shape = "[" + row.output_shape + "]";
    }
    for (const Node* n : calls)
      for (const KerasTensor& in : n->inputs) row.connected_to.push_back(tensor_ref(in));
    rows.push_back(row);
  }
  return rows;
}

namespace {
json tensor_key(const KerasTensor& t) {
  return json::array({t.node()->layer->name(), t.node()->node_index, t.index()});
}
}  // namespace

json Functional::get_config() const {
  json layers = json::array();
  for (const auto& layer : layers_) {
    json inbound = json::array();
    for (const auto& node : nodes_) {
      if (node->layer != layer || is_input_node(*node)) continue;
      json call = json::array();
      for (const KerasTensor& in : node->inputs) {
        json key = tensor_key(in);
        key.push_back(json::object());  // call kwargs, as Keras stores them
        call.push_back(key);
      }
      inbound.push_back(call);
    }
    json entry = serialize_layer(*layer);
    entry["name"] = layer->name();
    entry["inbound_nodes"] = inbound;
    layers.push_back(entry);
  }
  json ins = json::array(), outs = json::array();
  for (const KerasTensor& t : inputs_) ins.push_back(tensor_key(t));
  for (const KerasTensor& t : outputs_) outs.push_back(tensor_key(t));
  return {{"name", name()}, {"layers", layers}, {"input_layers", ins}, {"output_layers", outs}};
}

std::shared_ptr<Layer> Functional::from_config(const json& config) {
  // Recreate every layer, then replay its calls; a call waits until all its inputs exist (a shared
  // layer's later call may depend on layers listed after it).
  std::map<std::string, std::shared_ptr<Layer>> by_name;
  std::map<std::tuple<std::string, int, int>, KerasTensor> tensors;
  struct Pending {
    std::shared_ptr<Layer> layer;
    json inputs;
  };
  std::vector<Pending> pending;
  for (const json& entry : config.at("layers")) {
    std::shared_ptr<Layer> layer = layer_from_config(entry);
    by_name[layer->name()] = layer;
    if (auto input = std::dynamic_pointer_cast<layers::InputLayer>(layer)) {
      tensors[{layer->name(), 0, 0}] = input_tensor(input);
      continue;
    }
    for (const json& call : entry.value("inbound_nodes", json::array()))
      pending.push_back({layer, call});
  }
  while (!pending.empty()) {
    bool progress = false;
    for (auto it = pending.begin(); it != pending.end();) {
      std::vector<KerasTensor> ins;
      for (const json& key : it->inputs) {
        auto found =
            tensors.find({key[0].get<std::string>(), key[1].get<int>(), key[2].get<int>()});
        if (found == tensors.end()) break;
        ins.push_back(found->second);
      }
      if (ins.size() != it->inputs.size()) {
        ++it;
        continue;
      }
      KerasTensors outs = ins.size() == 1 ? KerasTensors{(*it->layer)(ins[0])} : (*it->layer)(ins);
      for (size_t k = 0; k < outs.size(); ++k)
        tensors[{it->layer->name(), outs[k].node()->node_index, static_cast<int>(k)}] = outs[k];
      it = pending.erase(it);
      progress = true;
    }
    TANDEM_CHECK(progress, ValueError, "Functional.from_config: layer '", pending[0].layer->name(),
                 "' is called on tensors that no layer in the config produces");
  }
  auto lookup = [&](const json& keys) {
    std::vector<KerasTensor> out;
    for (const json& key : keys) {
      auto found = tensors.find({key[0].get<std::string>(), key[1].get<int>(), key[2].get<int>()});
      TANDEM_CHECK(found != tensors.end(), ValueError, "Functional.from_config: unknown tensor ",
                   key.dump());
      out.push_back(found->second);
    }
    return out;
  };
  return std::make_shared<Functional>(lookup(config.at("input_layers")),
                                      lookup(config.at("output_layers")),
                                      config.value("name", std::string()));
}

TANDEM_REGISTER_LAYER(Functional);

std::shared_ptr<Functional> make_model(std::vector<KerasTensor> inputs,
                                       std::vector<KerasTensor> outputs, std::string name) {
  return std::make_shared<Functional>(std::move(inputs), std::move(outputs), std::move(name));
}

namespace {
std::vector<std::string> layer_names(const std::vector<KerasTensor>& tensors) {
  std::vector<std::string> names;
  for (const auto& t : tensors) names.push_back(t.node()->layer->name());
  return names;
}
}  // namespace

std::vector<std::string> Functional::input_names() const { return layer_names(inputs_); }
std::vector<std::string> Functional::output_names() const { return layer_names(outputs_); }

}  // namespace tandem
