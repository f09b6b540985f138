#include "tandem/io/example.h"

namespace tandem::io {

proto::Feature bytes_feature(const std::vector<std::string>& values) {
  proto::Feature f;
  auto* list = f.mutable_bytes_list();
  for (const auto& v : values) list->add_value(v);
  return f;
}

proto::Feature float_feature(const std::vector<float>& values) {
  proto::Feature f;
  f.mutable_float_list()->mutable_value()->Add(values.begin(), values.end());
  return f;
}

proto::Feature int64_feature(const std::vector<int64_t>& values) {
  proto::Feature f;
  f.mutable_int64_list()->mutable_value()->Add(values.begin(), values.end());
  return f;
}

proto::Example make_example(const std::map<std::string, proto::Feature>& features) {
  proto::Example example;
  auto* map = example.mutable_features()->mutable_feature();
  for (const auto& [name, feature] : features) (*map)[name] = feature;
  return example;
}

}  // namespace tandem::io
