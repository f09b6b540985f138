#include "tandem/models/model.h"

#include <algorithm>
#include <sstream>

#include "tandem/core/join.h"

namespace tandem {

std::shared_ptr<Layer> Model::get_layer(const std::string& name) const {
  for (const auto& l : layers()) {
    if (l->name() == name) return l;
  }
  std::string names = join(layers(), [](const auto& l) -> const std::string& { return l->name(); });
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

// Keras's print_row: each field is cut to its column (two spaces kept between columns) and wraps
// onto further lines, breaking after "'," or "),", so long "Connected to" lists continue below.
std::string rows_text(std::vector<std::string> fields, const std::vector<size_t>& ends) {
  std::string text;
  auto any_left = [&] {
    for (const auto& f : fields)
      if (!f.empty()) return true;
    return false;
  };
  do {
    std::string line;
    for (size_t col = 0; col < fields.size(); ++col) {
      size_t start = col ? ends[col - 1] : 0;
      size_t space = col + 1 != ends.size() ? 2 : 0;
      size_t cutoff = ends[col] - start - space;
      std::string fit = fields[col].substr(0, cutoff);
      size_t best = std::string::npos;
      for (const char* mark : {"),", "},", "],", "',"}) {
        size_t at = fit.find(mark);
        if (at != std::string::npos) best = std::min(best, at + 2);
      }
      if (best != std::string::npos) {
        cutoff = best;
        fit = fit.substr(0, cutoff);
      }
      if (col == 0) line += " ";
      line += fit + std::string(space, ' ');
      fields[col] = fields[col].size() > cutoff ? fields[col].substr(cutoff) : "";
      if (line.size() < ends[col]) line += std::string(ends[col] - line.size(), ' ');
    }
    text += line + "\n";
  } while (any_left());
  return text;
}

std::string connected_text(const std::vector<std::string>& refs) {
  std::string out = "[";
  for (size_t i = 0; i < refs.size(); ++i) out += (i ? ", '" : "'") + refs[i] + "'";
  return out + "]";
}

}  // namespace

std::string Model::summary_string() const {
  // Keras's layouts: 65 columns with fields ending at 45% / 85%, or 98 columns at 33% / 55% / 67%
  // with a "Connected to" column for graphs.
  bool graph = !sequential_like();
  const size_t width = graph ? 98 : 65;
  const std::vector<size_t> ends =
      graph ? std::vector<size_t>{32, 53, 65, 98} : std::vector<size_t>{29, 55, 65};
  std::vector<std::string> header = {"Layer (type)", "Output Shape", "Param #"};
  if (graph) header.push_back("Connected to");
  std::ostringstream out;
  out << "Model: \"" << name() << "\"\n" << std::string(width, '_') << "\n";
  out << rows_text(header, ends) << std::string(width, '=') << "\n";
  for (const auto& r : summary_rows()) {
    std::vector<std::string> fields = {r.layer, r.output_shape, std::to_string(r.params)};
    if (graph) fields.push_back(connected_text(r.connected_to));
    out << rows_text(fields, ends) << std::string(width, ' ') << "\n";
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
