#include "tandem/initializers/initializer.h"

#include <cctype>
#include <cmath>
#include <map>

#include "tandem/ops/creation.h"
#include "tandem/ops/linalg.h"
#include "tandem/ops/math.h"
#include "tandem/ops/random.h"
#include "tandem/ops/shape_ops.h"

namespace tandem::initializers {
namespace {

nlohmann::json seed_json(std::optional<uint64_t> seed) {
  return seed ? nlohmann::json(*seed) : nlohmann::json(nullptr);
}

std::optional<uint64_t> seed_from(const nlohmann::json& config) {
  if (!config.contains("seed") || config["seed"].is_null()) return std::nullopt;
  return config["seed"].get<uint64_t>();
}

void check_float(const char* who, DType dtype) {
  TANDEM_CHECK(is_floating(dtype), TypeError, who, ": expected a floating dtype, received ",
               dtype_name(dtype));
}

class Constant : public Initializer {
 public:
  Constant(std::string name, double value) : name_(std::move(name)), value_(value) {}
  Tensor operator()(const Shape& shape, DType dtype) const override {
    return fill(shape, value_, dtype);
  }
  std::string class_name() const override { return name_; }
  nlohmann::json get_config() const override {
    return name_ == "Constant" ? nlohmann::json{{"value", value_}} : nlohmann::json::object();
  }

 private:
  std::string name_;
  double value_;
};

class RandomNormal : public Initializer {
 public:
  RandomNormal(bool truncated, double mean, double stddev, std::optional<uint64_t> seed)
      : truncated_(truncated), mean_(mean), stddev_(stddev), seed_(seed) {}
  Tensor operator()(const Shape& shape, DType dtype) const override {
    check_float(truncated_ ? "TruncatedNormal" : "RandomNormal", dtype);
    RandomOptions o{.mean = mean_, .stddev = stddev_, .dtype = dtype, .seed = seed_};
    return truncated_ ? truncated_normal(shape, o) : random_normal(shape, o);
  }
  std::string class_name() const override {
    return truncated_ ? "TruncatedNormal" : "RandomNormal";
  }
  nlohmann::json get_config() const override {
    return {{"mean", mean_}, {"stddev", stddev_}, {"seed", seed_json(seed_)}};
  }

 private:
  bool truncated_;
  double mean_, stddev_;
  std::optional<uint64_t> seed_;
};

class RandomUniform : public Initializer {
 public:
  RandomUniform(double minval, double maxval, std::optional<uint64_t> seed)
      : minval_(minval), maxval_(maxval), seed_(seed) {}
  Tensor operator()(const Shape& shape, DType dtype) const override {
    return random_uniform(shape,
                          {.minval = minval_, .maxval = maxval_, .dtype = dtype, .seed = seed_});
  }
  std::string class_name() const override { return "RandomUniform"; }
  nlohmann::json get_config() const override {
    return {{"minval", minval_}, {"maxval", maxval_}, {"seed", seed_json(seed_)}};
  }

 private:
  double minval_, maxval_;
  std::optional<uint64_t> seed_;
};

class VarianceScaling : public Initializer {
 public:
  VarianceScaling(std::string name, double scale, std::string mode, std::string distribution,
                  std::optional<uint64_t> seed)
      : name_(std::move(name)),
        scale_(scale),
        mode_(std::move(mode)),
        distribution_(std::move(distribution)),
        seed_(seed) {
    TANDEM_CHECK(scale_ > 0, ValueError, "VarianceScaling: expected scale > 0, received ", scale_);
    TANDEM_CHECK(mode_ == "fan_in" || mode_ == "fan_out" || mode_ == "fan_avg", ValueError,
                 "VarianceScaling: mode must be 'fan_in', 'fan_out' or 'fan_avg', received '",
                 mode_, "'");
    TANDEM_CHECK(distribution_ == "truncated_normal" || distribution_ == "untruncated_normal" ||
                     distribution_ == "uniform",
                 ValueError,
                 "VarianceScaling: distribution must be 'truncated_normal', 'untruncated_normal' "
                 "or 'uniform', received '",
                 distribution_, "'");
  }
  Tensor operator()(const Shape& shape, DType dtype) const override {
    check_float(name_.c_str(), dtype);
    auto [fan_in, fan_out] = compute_fans(shape);
    double fan = mode_ == "fan_in" ? fan_in : mode_ == "fan_out" ? fan_out : (fan_in + fan_out) / 2;
    double variance = scale_ / std::max(1.0, fan);
    if (distribution_ == "uniform") {
      double limit = std::sqrt(3.0 * variance);
      return random_uniform(shape,
                            {.minval = -limit, .maxval = limit, .dtype = dtype, .seed = seed_});
    }
    if (distribution_ == "untruncated_normal")
      return random_normal(shape, {.stddev = std::sqrt(variance), .dtype = dtype, .seed = seed_});
    // Stddev of a unit normal truncated to [-2, 2]; dividing by it keeps the variance at
    // `variance`.
    constexpr double kTruncatedStddev = 0.87962566103423978;
    return truncated_normal(
        shape, {.stddev = std::sqrt(variance) / kTruncatedStddev, .dtype = dtype, .seed = seed_});
  }
  std::string class_name() const override { return name_; }
  nlohmann::json get_config() const override {
    if (name_ != "VarianceScaling") return {{"seed", seed_json(seed_)}};
    return {{"scale", scale_},
            {"mode", mode_},
            {"distribution", distribution_},
            {"seed", seed_json(seed_)}};
  }

 private:
  std::string name_;
  double scale_;
  std::string mode_, distribution_;
  std::optional<uint64_t> seed_;
};

class Orthogonal : public Initializer {
 public:
  Orthogonal(double gain, std::optional<uint64_t> seed) : gain_(gain), seed_(seed) {}
  Tensor operator()(const Shape& shape, DType dtype) const override {
    check_float("Orthogonal", dtype);
    TANDEM_CHECK(shape.rank() >= 2, ValueError,
                 "Orthogonal: expected a shape of rank >= 2, received ", shape.to_string());
    int64_t cols = shape[shape.rank() - 1];
    int64_t rows = shape.num_elements() / std::max<int64_t>(cols, 1);
    // Gram-Schmidt on a normal matrix with the long side as rows (QR's Q up to column signs).
    bool flip = rows < cols;
    int64_t r = flip ? cols : rows, c = flip ? rows : cols;
    std::vector<double> a =
        random_normal(Shape{r, c}, {.dtype = float64, .seed = seed_}).to_vector<double>();
    for (int64_t j = 0; j < c; ++j) {
      for (int64_t p = 0; p < j; ++p) {
        double dot = 0;
        for (int64_t i = 0; i < r; ++i) dot += a[i * c + j] * a[i * c + p];
        for (int64_t i = 0; i < r; ++i) a[i * c + j] -= dot * a[i * c + p];
      }
      double norm = 0;
      for (int64_t i = 0; i < r; ++i) norm += a[i * c + j] * a[i * c + j];
      norm = std::sqrt(norm);
      for (int64_t i = 0; i < r; ++i) a[i * c + j] /= norm;
    }
    Tensor q = Tensor::from_vector(a, Shape{r, c});
    if (flip) q = transpose(q);
    return cast(reshape(q * gain_, shape), dtype);
  }
  std::string class_name() const override { return "Orthogonal"; }
  nlohmann::json get_config() const override {
    return {{"gain", gain_}, {"seed", seed_json(seed_)}};
  }

 private:
  double gain_;
  std::optional<uint64_t> seed_;
};

class Lambda : public Initializer {
 public:
  Lambda(std::string name, std::function<Tensor(const Shape&, DType)> fn)
      : name_(std::move(name)), fn_(std::move(fn)) {}
  Tensor operator()(const Shape& shape, DType dtype) const override { return fn_(shape, dtype); }
  std::string class_name() const override { return name_; }

 private:
  std::string name_;
  std::function<Tensor(const Shape&, DType)> fn_;
};

// "glorot_uniform" and "GlorotUniform" both name GlorotUniform.
std::string snake_case(const std::string& name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    char ch = name[i];
    if (std::isupper(static_cast<unsigned char>(ch))) {
      if (i > 0) out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace

std::pair<double, double> compute_fans(const Shape& shape) {
  if (shape.rank() == 0) return {1, 1};
  if (shape.rank() == 1) return {double(shape[0]), double(shape[0])};
  if (shape.rank() == 2) return {double(shape[0]), double(shape[1])};
  double receptive = 1;
  for (int i = 0; i < shape.rank() - 2; ++i) receptive *= double(shape[i]);
  return {receptive * double(shape[shape.rank() - 2]), receptive * double(shape[shape.rank() - 1])};
}

InitializerPtr zeros() { return std::make_shared<Constant>("Zeros", 0.0); }
InitializerPtr ones() { return std::make_shared<Constant>("Ones", 1.0); }
InitializerPtr constant(double value) { return std::make_shared<Constant>("Constant", value); }
InitializerPtr random_normal(double mean, double stddev, std::optional<uint64_t> seed) {
  return std::make_shared<RandomNormal>(false, mean, stddev, seed);
}
InitializerPtr truncated_normal(double mean, double stddev, std::optional<uint64_t> seed) {
  return std::make_shared<RandomNormal>(true, mean, stddev, seed);
}
InitializerPtr random_uniform(double minval, double maxval, std::optional<uint64_t> seed) {
  return std::make_shared<RandomUniform>(minval, maxval, seed);
}
InitializerPtr variance_scaling(double scale, const std::string& mode,
                                const std::string& distribution, std::optional<uint64_t> seed) {
  return std::make_shared<VarianceScaling>("VarianceScaling", scale, mode, distribution, seed);
}
InitializerPtr glorot_uniform(std::optional<uint64_t> seed) {
  return std::make_shared<VarianceScaling>("GlorotUniform", 1.0, "fan_avg", "uniform", seed);
}
InitializerPtr glorot_normal(std::optional<uint64_t> seed) {
  return std::make_shared<VarianceScaling>("GlorotNormal", 1.0, "fan_avg", "truncated_normal",
                                           seed);
}
InitializerPtr he_uniform(std::optional<uint64_t> seed) {
  return std::make_shared<VarianceScaling>("HeUniform", 2.0, "fan_in", "uniform", seed);
}
InitializerPtr he_normal(std::optional<uint64_t> seed) {
  return std::make_shared<VarianceScaling>("HeNormal", 2.0, "fan_in", "truncated_normal", seed);
}
InitializerPtr lecun_uniform(std::optional<uint64_t> seed) {
  return std::make_shared<VarianceScaling>("LecunUniform", 1.0, "fan_in", "uniform", seed);
}
InitializerPtr lecun_normal(std::optional<uint64_t> seed) {
  return std::make_shared<VarianceScaling>("LecunNormal", 1.0, "fan_in", "truncated_normal", seed);
}
InitializerPtr orthogonal(double gain, std::optional<uint64_t> seed) {
  return std::make_shared<Orthogonal>(gain, seed);
}

InitializerPtr make_initializer(std::string name, std::function<Tensor(const Shape&, DType)> fn) {
  return std::make_shared<Lambda>(std::move(name), std::move(fn));
}

InitializerSpec::InitializerSpec(const char* name) : InitializerSpec(std::string(name)) {}

InitializerSpec::InitializerSpec(const std::string& name)
    : InitializerPtr(initializers::get(name)) {}

InitializerPtr get(const std::string& name) {
  return deserialize({{"class_name", name}, {"config", nlohmann::json::object()}});
}

nlohmann::json serialize(const Initializer& init) {
  return {{"class_name", init.class_name()}, {"config", init.get_config()}};
}

namespace {

using Factory = Registry<InitializerPtr>::Factory;
using nlohmann::json;

std::map<std::string, Factory> builtin_classes() {
  return {
      {"Zeros", [](const json&) { return zeros(); }},
      {"Ones", [](const json&) { return ones(); }},
      {"Constant", [](const json& c) { return constant(c.value("value", 0.0)); }},
      {"RandomNormal",
       [](const json& c) {
         return random_normal(c.value("mean", 0.0), c.value("stddev", 0.05), seed_from(c));
       }},
      {"TruncatedNormal",
       [](const json& c) {
         return truncated_normal(c.value("mean", 0.0), c.value("stddev", 0.05), seed_from(c));
       }},
      {"RandomUniform",
       [](const json& c) {
         return random_uniform(c.value("minval", -0.05), c.value("maxval", 0.05), seed_from(c));
       }},
      {"VarianceScaling",
       [](const json& c) {
         return variance_scaling(c.value("scale", 1.0), c.value("mode", std::string("fan_in")),
                                 c.value("distribution", std::string("truncated_normal")),
                                 seed_from(c));
       }},
      {"GlorotUniform", [](const json& c) { return glorot_uniform(seed_from(c)); }},
      {"GlorotNormal", [](const json& c) { return glorot_normal(seed_from(c)); }},
      {"HeUniform", [](const json& c) { return he_uniform(seed_from(c)); }},
      {"HeNormal", [](const json& c) { return he_normal(seed_from(c)); }},
      {"LecunUniform", [](const json& c) { return lecun_uniform(seed_from(c)); }},
      {"LecunNormal", [](const json& c) { return lecun_normal(seed_from(c)); }},
      {"Orthogonal", [](const json& c) { return orthogonal(c.value("gain", 1.0), seed_from(c)); }},
  };
}

}  // namespace

Registry<InitializerPtr>& initializer_registry() {
  // "glorot_uniform" and "GlorotUniform" name one class: keys are snake_case.
  static Registry<InitializerPtr> registry("initializer", "TANDEM_REGISTER_INITIALIZER",
                                           builtin_classes(), snake_case);
  return registry;
}

bool register_initializer(const std::string& class_name,
                          std::function<InitializerPtr(const nlohmann::json&)> from_config) {
  return initializer_registry().add(class_name, std::move(from_config));
}

InitializerPtr deserialize(const nlohmann::json& json) {
  TANDEM_CHECK(
      json.is_object() && json.contains("class_name") && json["class_name"].is_string(), ValueError,
      "initializers::deserialize: expected {\"class_name\": ..., \"config\": ...}, received ",
      json.dump());
  std::string name = json["class_name"].get<std::string>();
  TANDEM_CHECK(initializer_registry().contains(name), ValueError, "unknown initializer '", name,
               "': expected one of zeros, ones, constant, random_normal, random_uniform, "
               "truncated_normal, variance_scaling, glorot_uniform, glorot_normal, he_uniform, "
               "he_normal, lecun_uniform, lecun_normal, orthogonal; pass a custom one in "
               "custom_objects or register it with TANDEM_REGISTER_INITIALIZER(",
               name, ")");
  return initializer_registry().deserialize(json);
}

}  // namespace tandem::initializers
