// Weight initializers (tf.keras.initializers): objects with a Keras name and a config, usable by
// name
// ("glorot_uniform") or as instances (GlorotUniform(seed)). A user's own initializer is any
// Initializer subclass, or a plain callable wrapped by make_initializer.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "tandem/core/registry.h"
#include "tandem/core/tensor.h"

namespace tandem::initializers {

class Initializer {
 public:
  virtual ~Initializer() = default;
  virtual Tensor operator()(const Shape& shape, DType dtype) const = 0;
  // Keras class name, e.g. "GlorotUniform".
  virtual std::string class_name() const = 0;
  virtual nlohmann::json get_config() const { return nlohmann::json::object(); }
};

using InitializerPtr = std::shared_ptr<const Initializer>;

// An initializer argument as Keras layers take one: a Keras name (`kernel_initializer =
// "he_normal"`, resolved by get(), so an unknown name fails where it is written), an object, or
// null for the layer's default. It is an InitializerPtr, usable wherever one is.
class InitializerSpec : public InitializerPtr {
 public:
  using InitializerPtr::InitializerPtr;
  InitializerSpec(InitializerPtr init) : InitializerPtr(std::move(init)) {}  // NOLINT
  InitializerSpec(const char* name);                                         // NOLINT
  InitializerSpec(const std::string& name);                                  // NOLINT
};

InitializerPtr zeros();
InitializerPtr ones();
InitializerPtr constant(double value);
InitializerPtr random_normal(double mean = 0.0, double stddev = 0.05,
                             std::optional<uint64_t> seed = std::nullopt);
InitializerPtr random_uniform(double minval = -0.05, double maxval = 0.05,
                              std::optional<uint64_t> seed = std::nullopt);
InitializerPtr truncated_normal(double mean = 0.0, double stddev = 0.05,
                                std::optional<uint64_t> seed = std::nullopt);
// Variance scaling family: scale / fan, fan = fan_in, fan_out or their average.
InitializerPtr variance_scaling(double scale, const std::string& mode,
                                const std::string& distribution,
                                std::optional<uint64_t> seed = std::nullopt);
InitializerPtr glorot_uniform(std::optional<uint64_t> seed = std::nullopt);
InitializerPtr glorot_normal(std::optional<uint64_t> seed = std::nullopt);
InitializerPtr he_uniform(std::optional<uint64_t> seed = std::nullopt);
InitializerPtr he_normal(std::optional<uint64_t> seed = std::nullopt);
InitializerPtr lecun_uniform(std::optional<uint64_t> seed = std::nullopt);
InitializerPtr lecun_normal(std::optional<uint64_t> seed = std::nullopt);
InitializerPtr orthogonal(double gain = 1.0, std::optional<uint64_t> seed = std::nullopt);

// A callable as an initializer, of class `name` with an empty config: to rebuild it from JSON,
// register a factory under that name (register_initializer).
InitializerPtr make_initializer(std::string name, std::function<Tensor(const Shape&, DType)> fn);

// The initializer classes, built-in and custom (core/registry.h); names are matched in snake_case.
Registry<InitializerPtr>& initializer_registry();
bool register_initializer(const std::string& class_name,
                          std::function<InitializerPtr(const nlohmann::json&)> from_config);

// By Keras name ("glorot_uniform", "GlorotUniform", "zeros", ...); ValueError for an unknown name.
InitializerPtr get(const std::string& name);
// {"class_name": ..., "config": {...}} as Keras serialises it, and back.
nlohmann::json serialize(const Initializer& init);
InitializerPtr deserialize(const nlohmann::json& json);

// fan_in and fan_out of a kernel shape as Keras computes them (receptive field times channels).
std::pair<double, double> compute_fans(const Shape& shape);

}  // namespace tandem::initializers

// Registers a custom Initializer subclass; Class needs `static InitializerPtr from_config(const
// json&)`.
#define TANDEM_REGISTER_INITIALIZER(Class)                                           \
  TANDEM_REGISTER_IN(                                                                \
      ::tandem::initializers::initializer_registry(), #Class,                        \
      [](const ::nlohmann::json& config) -> ::tandem::initializers::InitializerPtr { \
        return Class::from_config(config);                                           \
      })
