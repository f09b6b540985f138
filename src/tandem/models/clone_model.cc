#include "tandem/models/clone_model.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tandem/layers/registry.h"

namespace tandem {

std::shared_ptr<Model> clone_model(const Model& model) {
  json serialized = serialize_layer(model);
  // Fresh layers get fresh names unless the config pins them; Keras keeps the names, so do we.
  auto clone = std::dynamic_pointer_cast<Model>(layer_from_config(serialized));
  TANDEM_CHECK(clone != nullptr, ValueError, "clone_model: '", model.name(),
               "' did not rebuild as a model; subclassed models need a registered from_config");
  return clone;
}

namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string model_to_dot(const Model& model, PlotOptions options) {
  std::ostringstream dot;
  dot << "digraph \"" << escape(model.name()) << "\" {\n  rankdir=" << options.rankdir
      << ";\n  node [shape=record];\n";
  auto rows = model.summary_rows();
  auto layers = model.layers();
  for (size_t i = 0; i < layers.size(); ++i) {
    std::string label = options.show_layer_names
                            ? layers[i]->name() + ": " + layers[i]->class_name()
                            : layers[i]->class_name();
    if (options.show_shapes && i < rows.size()) label += " | output: " + rows[i].output_shape;
    dot << "  \"" << escape(layers[i]->name()) << "\" [label=\"" << escape(label) << "\"];\n";
  }
  // Edges: a functional config lists each call's inbound layers; a Sequential is a chain.
  json config = model.get_config();
  bool has_inbound = false;
  for (const json& entry : config.value("layers", json::array())) {
    if (!entry.contains("inbound_nodes")) continue;
    has_inbound = true;
    for (const json& call : entry["inbound_nodes"])
      for (const json& key : call)
        dot << "  \"" << escape(key[0].get<std::string>()) << "\" -> \""
            << escape(entry["name"].get<std::string>()) << "\";\n";
  }
  if (!has_inbound && config.contains("layers")) {
    for (size_t i = 1; i < layers.size(); ++i)
      dot << "  \"" << escape(layers[i - 1]->name()) << "\" -> \"" << escape(layers[i]->name())
          << "\";\n";
  }
  dot << "}\n";
  return dot.str();
}

void plot_model(const Model& model, const std::string& path, PlotOptions options) {
  std::string text = model_to_dot(model, options);
  bool png = path.size() > 4 && path.substr(path.size() - 4) == ".png";
  std::string dot_path = png ? path + ".dot" : path;
  {
    std::ofstream out(dot_path);
    TANDEM_CHECK(out.good(), IOError, "plot_model: cannot write '", dot_path, "'");
    out << text;
    TANDEM_CHECK(out.good(), IOError, "plot_model: writing '", dot_path, "' failed");
  }
  if (!png) return;
  std::string cmd = "dot -Tpng '" + dot_path + "' -o '" + path + "' 2>/dev/null";
  int rc = std::system(cmd.c_str());
  std::remove(dot_path.c_str());
  TANDEM_CHECK(rc == 0, IOError, "plot_model: rendering '", path,
               "' needs Graphviz's `dot` program (apt-get install graphviz); write a .dot path "
               "instead to get the graph text");
}

}  // namespace tandem
