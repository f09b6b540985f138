// LearningRateSchedule: tf.keras.optimizers.schedules. A schedule maps the optimizer's iteration
// count (the number of apply_gradients calls so far) to a learning rate.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tandem/core/registry.h"

namespace tandem::optimizers {

class LearningRateSchedule {
 public:
  virtual ~LearningRateSchedule() = default;
  virtual double operator()(int64_t step) const = 0;
  virtual std::string class_name() const = 0;  // "ExponentialDecay", ...
  virtual nlohmann::json get_config() const = 0;
};

using SchedulePtr = std::shared_ptr<const LearningRateSchedule>;

// initial_learning_rate * decay_rate ^ (step / decay_steps); the exponent is floored when
// staircase.
class ExponentialDecay : public LearningRateSchedule {
 public:
  ExponentialDecay(double initial_learning_rate, double decay_steps, double decay_rate,
                   bool staircase = false, std::string name = "");
  double operator()(int64_t step) const override;
  std::string class_name() const override { return "ExponentialDecay"; }
  nlohmann::json get_config() const override;

 private:
  double initial_learning_rate_, decay_steps_, decay_rate_;
  bool staircase_;
  std::string name_;
};

// values[0] while step <= boundaries[0], values[i] while boundaries[i-1] < step <= boundaries[i],
// values.back() after the last boundary. Needs values.size() == boundaries.size() + 1.
class PiecewiseConstantDecay : public LearningRateSchedule {
 public:
  PiecewiseConstantDecay(std::vector<double> boundaries, std::vector<double> values,
                         std::string name = "");
  double operator()(int64_t step) const override;
  std::string class_name() const override { return "PiecewiseConstantDecay"; }
  nlohmann::json get_config() const override;

 private:
  std::vector<double> boundaries_, values_;
  std::string name_;
};

// Cosine decay from initial_learning_rate to alpha * initial over decay_steps (SGDR without
// restarts). With warmup_target (Keras 2.13): a linear warmup from initial_learning_rate to
// warmup_target over warmup_steps, then cosine decay from warmup_target over decay_steps.
class CosineDecay : public LearningRateSchedule {
 public:
  CosineDecay(double initial_learning_rate, double decay_steps, double alpha = 0.0,
              std::optional<double> warmup_target = std::nullopt, double warmup_steps = 0,
              std::string name = "");
  double operator()(int64_t step) const override;
  std::string class_name() const override { return "CosineDecay"; }
  nlohmann::json get_config() const override;

 private:
  double initial_learning_rate_, decay_steps_, alpha_;
  std::optional<double> warmup_target_;
  double warmup_steps_;
  std::string name_;
};

// (initial - end) * (1 - step / decay_steps) ^ power + end, holding end after decay_steps; with
// cycle, decay_steps grows to the next multiple of itself past step instead.
class PolynomialDecay : public LearningRateSchedule {
 public:
  PolynomialDecay(double initial_learning_rate, double decay_steps,
                  double end_learning_rate = 0.0001, double power = 1.0, bool cycle = false,
                  std::string name = "");
  double operator()(int64_t step) const override;
  std::string class_name() const override { return "PolynomialDecay"; }
  nlohmann::json get_config() const override;

 private:
  double initial_learning_rate_, decay_steps_, end_learning_rate_, power_;
  bool cycle_;
  std::string name_;
};

// initial_learning_rate / (1 + decay_rate * step / decay_steps); the ratio is floored when
// staircase.
class InverseTimeDecay : public LearningRateSchedule {
 public:
  InverseTimeDecay(double initial_learning_rate, double decay_steps, double decay_rate,
                   bool staircase = false, std::string name = "");
  double operator()(int64_t step) const override;
  std::string class_name() const override { return "InverseTimeDecay"; }
  nlohmann::json get_config() const override;

 private:
  double initial_learning_rate_, decay_steps_, decay_rate_;
  bool staircase_;
  std::string name_;
};

// {"class_name": ..., "config": {...}} as Keras serialises a schedule, and back.
nlohmann::json serialize(const LearningRateSchedule& schedule);
SchedulePtr deserialize_schedule(const nlohmann::json& json);
// The schedule classes, built-in and custom (core/registry.h).
Registry<SchedulePtr>& schedule_registry();

}  // namespace tandem::optimizers

// Registers a custom LearningRateSchedule subclass; Class needs `static SchedulePtr
// from_config(const json&)`.
#define TANDEM_REGISTER_LEARNING_RATE_SCHEDULE(Class)                                          \
  TANDEM_REGISTER_IN(::tandem::optimizers::schedule_registry(), #Class,                        \
                     [](const ::nlohmann::json& config) -> ::tandem::optimizers::SchedulePtr { \
                       return Class::from_config(config);                                      \
                     })
