#include "tandem/models/model.h"

#include <sstream>

namespace tandem {

std::shared_ptr<Layer> Model::get_layer(const std::string& name) const {
  std::string names;
  for (const auto& l : layers()) {
    if (l->name() == name) return l;
    names += (names.empty() ? "" : ", ") + l->name();
  }
  throw ValueError("get_layer: no layer named '" + name + "' in model '" + this->name() +
                   "' (layers: " + names + ")");
}

std::shared_ptr<Layer> Model::get_layer(int index) const {
  auto ls = layers();
  TANDEM_CHECK(index >= 0 && index < static_cast<int>(ls.size()), ValueError, "get_layer: index ",
               index, " is out of range for model '", name(), "' with ", ls.size(), " layers");
  return ls[index];
}

std::string keras_shape_text(const std::vector<Shape>& shapes) {
  std::string out = shapes.size() == 1 ? "" : "[";
  for (size_t i = 0; i < shapes.size(); ++i) out += (i ? ", " : "") + shapes[i].to_string();
  return shapes.size() == 1 ? out : out + "]";
}

std::string with_thousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (n < 0 ? "-" : "") + out;
}

std::string Model::output_shape_text(const Layer&) const { return "multiple"; }

std::vector<Model::SummaryRow> Model::summary_rows() const {
  std::vector<SummaryRow> rows;
  for (const auto& l : layers())
    rows.push_back(
        {l->name() + " (" + l->class_name() + ")", output_shape_text(*l), l->count_params()});
  return rows;
}

namespace {

// Keras's print_row: each field cut to its column and padded to the column's end.
std::string row_text(const std::vector<std::string>& fields, const std::vector<size_t>& ends) {
  std::string line = " ";
  for (size_t i = 0; i < fields.size(); ++i) {
    size_t width = ends[i] - line.size();
    std::string f = fields[i].substr(0, width > 1 ? width - 1 : width);
    line += f;
    line += std::string(ends[i] - line.size(), ' ');
  }
  return line;
}

}  // namespace

std::string Model::summary_string() const {
  // Keras's layout for a list of layers: 65 columns, fields ending at 45% / 85% / 100%.
  const size_t width = 65;
  const std::vector<size_t> ends = {29, 55, 65};
  std::ostringstream out;
  out << "Model: \"" << name() << "\"\n" << std::string(width, '_') << "\n";
  out << row_text({"Layer (type)", "Output Shape", "Param #"}, ends) << "\n";
  out << std::string(width, '=') << "\n";
  for (const auto& r : summary_rows()) {
    out << row_text({r.layer, r.output_shape, std::to_string(r.params)}, ends) << "\n";
    out << std::string(width, ' ') << "\n";
  }
  int64_t trainable = 0, non_trainable = 0;
  for (const Variable& v : trainable_weights()) trainable += v.shape().num_elements();
  for (const Variable& v : non_trainable_weights()) non_trainable += v.shape().num_elements();
  out << std::string(width, '=') << "\n";
  out << "Total params: " << with_thousands(trainable + non_trainable) << "\n";
  out << "Trainable params: " << with_thousands(trainable) << "\n";
  out << "Non-trainable params: " << with_thousands(non_trainable) << "\n";
  out << std::string(width, '_') << "\n";
  return out.str();
}

}  // namespace tandem
