// Registry<Product>: rebuilds objects of one kind (layers, losses, metrics, activations,
// initializers, regularizers, constraints, optimizers, learning-rate schedules) from their Keras
// serialisation {"class_name": ..., "config": {...}}. One template serves every kind, so built-in
// and custom classes are found the same way and an unknown class always gets the same error:
//
//   unknown loss class 'MyLoss': pass it in custom_objects (load_model(path, {{"MyLoss",
//   &MyLoss::from_config}})) or register it with TANDEM_REGISTER_LOSS(MyLoss)
//
// Lookup order, as in Keras: the custom_objects of every live CustomObjectScope on this thread
// (innermost first; load_model and layer_from_config open one), then the registered classes
// (custom registrations replace built-ins of the same name).
#pragma once

#include <any>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tandem/core/error.h"

namespace tandem {

// One entry of custom_objects: a factory that rebuilds an object from its config. Its return
// type says which kind it belongs to, so it must be the kind's handle type: std::shared_ptr<Layer>
// (layers and models), losses::LossPtr, metrics::MetricPtr, initializers::InitializerPtr,
// optimizers::OptimizerPtr, optimizers::SchedulePtr, Regularizer, Constraint, Activation.
class CustomObject {
 public:
  template <class F>
  requires std::is_invocable_v<F, const nlohmann::json&> CustomObject(F factory)  // NOLINT
      : factory_(
            std::function<std::invoke_result_t<F, const nlohmann::json&>(const nlohmann::json&)>(
                std::move(factory))) {}

  // The factory when it makes `Product`s, null otherwise.
  template <class Product>
  const std::function<Product(const nlohmann::json&)>* factory() const {
    return std::any_cast<std::function<Product(const nlohmann::json&)>>(&factory_);
  }

 private:
  std::any factory_;
};

// Keras's custom_objects: class name -> factory.
using CustomObjects = std::map<std::string, CustomObject>;

// keras.utils.custom_object_scope: while it lives, every registry lookup on this thread also finds
// the classes in `custom` (innermost scope first).
class CustomObjectScope {
 public:
  explicit CustomObjectScope(const CustomObjects& custom);
  ~CustomObjectScope();
  CustomObjectScope(const CustomObjectScope&) = delete;
  CustomObjectScope& operator=(const CustomObjectScope&) = delete;

  // The innermost live scope on this thread (null when none), and the one around it.
  static const CustomObjectScope* current();
  const CustomObjectScope* outer() const { return outer_; }
  const CustomObjects& objects() const { return *custom_; }

 private:
  const CustomObjects* custom_;
  const CustomObjectScope* outer_;
};

template <class Product>
class Registry {
 public:
  using Factory = std::function<Product(const nlohmann::json& config)>;

  // kind: "layer", "loss", ... (for messages); macro: how users register one
  // ("TANDEM_REGISTER_LOSS"); key: maps a class name to its lookup key (e.g. case folding), applied
  // to registered names and queries alike.
  Registry(std::string kind, std::string macro, std::map<std::string, Factory> builtins = {},
           std::function<std::string(const std::string&)> key = nullptr)
      : kind_(std::move(kind)), macro_(std::move(macro)), key_(std::move(key)) {
    for (auto& [name, factory] : builtins) classes_[key_of(name)] = std::move(factory);
  }

  // Registers (or replaces) a class; returns true so a static initialiser can call it.
  bool add(const std::string& class_name, Factory factory) {
    TANDEM_CHECK(!class_name.empty() && factory != nullptr, ValueError, "registering a ", kind_,
                 ": expected a class name and a factory, received '", class_name, "'",
                 factory ? "" : " and an empty factory");
    std::lock_guard<std::mutex> lock(mutex_);
    classes_[key_of(class_name)] = std::move(factory);
    return true;
  }

  // The factory for `class_name`: custom_objects in scope first, then the registered classes.
  std::optional<Factory> find(const std::string& class_name) const {
    for (const CustomObjectScope* s = CustomObjectScope::current(); s != nullptr; s = s->outer()) {
      auto it = s->objects().find(class_name);
      if (it == s->objects().end()) continue;
      if (const Factory* f = it->second.template factory<Product>()) return *f;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = classes_.find(key_of(class_name));
    if (it == classes_.end()) return std::nullopt;
    return it->second;
  }
  bool contains(const std::string& class_name) const { return find(class_name).has_value(); }

  // Builds `class_name` from `config`. ValueError for an unknown class (naming it, custom_objects
  // and the macro) and for a config its factory cannot read.
  Product make(const std::string& class_name, const nlohmann::json& config) const {
    std::optional<Factory> factory = find(class_name);
    if (!factory) throw_unknown(class_name);
    try {
      return (*factory)(config);
    } catch (const nlohmann::json::exception& e) {
      throw ValueError(::tandem::detail::concat("bad config for ", kind_, " class '", class_name,
                                                "': ", e.what(), " (received ", config.dump(),
                                                ")"));
    }
  }
  // make() from {"class_name": ..., "config": {...}} (config optional).
  Product deserialize(const nlohmann::json& serialized) const {
    TANDEM_CHECK(serialized.is_object() && serialized.contains("class_name") &&
                     serialized["class_name"].is_string(),
                 ValueError, "deserializing a ", kind_,
                 ": expected {\"class_name\": ..., \"config\": {...}}, received ",
                 serialized.dump());
    nlohmann::json config = serialized.value("config", nlohmann::json::object());
    TANDEM_CHECK(config.is_object(), ValueError, "deserializing ", kind_, " class '",
                 serialized["class_name"].get<std::string>(), "': expected an object config, ",
                 "received ", config.dump());
    return make(serialized["class_name"].get<std::string>(), config);
  }

  // The registered class names (built-in and custom), sorted by key.
  std::vector<std::string> names() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (const auto& entry : classes_) out.push_back(entry.first);
    return out;
  }

  [[noreturn]] void throw_unknown(const std::string& class_name) const {
    std::string known;
    for (const std::string& name : names()) {
      if (!known.empty()) known += ", ";
      known += name;
    }
    throw ValueError(::tandem::detail::concat("unknown ", kind_, " class '", class_name,
                                              "': pass it in custom_objects (load_model(path, {{\"",
                                              class_name, "\", factory}})) or register it with ",
                                              macro_, "(", class_name,
                                              "); known classes: ", known));
  }

  const std::string& kind() const { return kind_; }

 private:
  std::string key_of(const std::string& name) const { return key_ ? key_(name) : name; }

  std::string kind_;
  std::string macro_;
  std::function<std::string(const std::string&)> key_;
  mutable std::mutex mutex_;
  std::map<std::string, Factory> classes_;
};

}  // namespace tandem

#define TANDEM_REGISTRY_CONCAT_INNER(a, b) a##b
#define TANDEM_REGISTRY_CONCAT(a, b) TANDEM_REGISTRY_CONCAT_INNER(a, b)
// Runs a registration once, from a static initialiser (at file scope).
#define TANDEM_REGISTER_STATIC(expr) \
  [[maybe_unused]] static const bool TANDEM_REGISTRY_CONCAT(tandem_registered_, __LINE__) = (expr)
// Registers `factory` under `name` in `registry`.
#define TANDEM_REGISTER_IN(registry, name, factory) \
  TANDEM_REGISTER_STATIC((registry).add(name, factory))
