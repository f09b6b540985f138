#include "tandem/optimizers/learning_rate_schedule.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numbers>

#include "tandem/core/error.h"

namespace tandem::optimizers {

namespace {

using json = nlohmann::json;

// Keras writes a schedule without a name as "name": null.
json name_json(const std::string& name) { return name.empty() ? json(nullptr) : json(name); }

void check_decay_steps(const char* schedule, double decay_steps) {
  TANDEM_CHECK(decay_steps > 0, ValueError, schedule, ": decay_steps must be > 0, received ",
               decay_steps);
}

// step / decay_steps, floored for the staircase variants.
double decay_progress(int64_t step, double decay_steps, bool staircase) {
  double p = static_cast<double>(step) / decay_steps;
  return staircase ? std::floor(p) : p;
}

}  // namespace

ExponentialDecay::ExponentialDecay(double initial_learning_rate, double decay_steps,
                                   double decay_rate, bool staircase, std::string name)
    : initial_learning_rate_(initial_learning_rate),
      decay_steps_(decay_steps),
      decay_rate_(decay_rate),
      staircase_(staircase),
      name_(std::move(name)) {
  check_decay_steps("ExponentialDecay", decay_steps);
}

double ExponentialDecay::operator()(int64_t step) const {
  return initial_learning_rate_ *
         std::pow(decay_rate_, decay_progress(step, decay_steps_, staircase_));
}

json ExponentialDecay::get_config() const {
  return {{"initial_learning_rate", initial_learning_rate_},
          {"decay_steps", decay_steps_},
          {"decay_rate", decay_rate_},
          {"staircase", staircase_},
          {"name", name_json(name_)}};
}

PiecewiseConstantDecay::PiecewiseConstantDecay(std::vector<double> boundaries,
                                               std::vector<double> values, std::string name)
    : boundaries_(std::move(boundaries)), values_(std::move(values)), name_(std::move(name)) {
  TANDEM_CHECK(values_.size() == boundaries_.size() + 1, ValueError,
               "PiecewiseConstantDecay: the length of values must be the length of boundaries "
               "plus 1, received ",
               boundaries_.size(), " boundaries and ", values_.size(), " values");
}

double PiecewiseConstantDecay::operator()(int64_t step) const {
  // The first boundary that step does not exceed picks the value; past all of them, the last.
  double s = static_cast<double>(step);
  auto it = std::lower_bound(boundaries_.begin(), boundaries_.end(), s);
  return values_[static_cast<size_t>(it - boundaries_.begin())];
}

json PiecewiseConstantDecay::get_config() const {
  return {{"boundaries", boundaries_}, {"values", values_}, {"name", name_json(name_)}};
}

CosineDecay::CosineDecay(double initial_learning_rate, double decay_steps, double alpha,
                         std::optional<double> warmup_target, double warmup_steps, std::string name)
    : initial_learning_rate_(initial_learning_rate),
      decay_steps_(decay_steps),
      alpha_(alpha),
      warmup_target_(warmup_target),
      warmup_steps_(warmup_steps),
      name_(std::move(name)) {
  check_decay_steps("CosineDecay", decay_steps);
  TANDEM_CHECK(warmup_steps >= 0, ValueError, "CosineDecay: warmup_steps must be >= 0, received ",
               warmup_steps);
}

double CosineDecay::operator()(int64_t step) const {
  double s = static_cast<double>(step);
  auto decay = [this](double decay_step, double from_lr) {
    double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * decay_step / decay_steps_));
    return from_lr * ((1.0 - alpha_) * cosine + alpha_);
  };
  if (!warmup_target_) return decay(std::min(s, decay_steps_), initial_learning_rate_);
  s = std::min(s, decay_steps_ + warmup_steps_);
  if (s < warmup_steps_) {
    return (*warmup_target_ - initial_learning_rate_) * (s / warmup_steps_) +
           initial_learning_rate_;
  }
  return decay(s - warmup_steps_, *warmup_target_);
}

json CosineDecay::get_config() const {
  return {{"initial_learning_rate", initial_learning_rate_},
          {"decay_steps", decay_steps_},
          {"alpha", alpha_},
          {"name", name_json(name_)},
          {"warmup_target", warmup_target_ ? json(*warmup_target_) : json(nullptr)},
          {"warmup_steps", warmup_steps_}};
}

PolynomialDecay::PolynomialDecay(double initial_learning_rate, double decay_steps,
                                 double end_learning_rate, double power, bool cycle,
                                 std::string name)
    : initial_learning_rate_(initial_learning_rate),
      decay_steps_(decay_steps),
      end_learning_rate_(end_learning_rate),
      power_(power),
      cycle_(cycle),
      name_(std::move(name)) {
  check_decay_steps("PolynomialDecay", decay_steps);
}

double PolynomialDecay::operator()(int64_t step) const {
  double s = static_cast<double>(step);
  double decay_steps = decay_steps_;
  if (cycle_) {
    // Each cycle stretches decay_steps to the next multiple of itself past the step.
    decay_steps *= step == 0 ? 1.0 : std::ceil(s / decay_steps_);
  } else {
    s = std::min(s, decay_steps);
  }
  double p = s / decay_steps;
  return (initial_learning_rate_ - end_learning_rate_) * std::pow(1.0 - p, power_) +
         end_learning_rate_;
}

json PolynomialDecay::get_config() const {
  return {{"initial_learning_rate", initial_learning_rate_},
          {"decay_steps", decay_steps_},
          {"end_learning_rate", end_learning_rate_},
          {"power", power_},
          {"cycle", cycle_},
          {"name", name_json(name_)}};
}

InverseTimeDecay::InverseTimeDecay(double initial_learning_rate, double decay_steps,
                                   double decay_rate, bool staircase, std::string name)
    : initial_learning_rate_(initial_learning_rate),
      decay_steps_(decay_steps),
      decay_rate_(decay_rate),
      staircase_(staircase),
      name_(std::move(name)) {
  check_decay_steps("InverseTimeDecay", decay_steps);
}

double InverseTimeDecay::operator()(int64_t step) const {
  return initial_learning_rate_ /
         (1.0 + decay_rate_ * decay_progress(step, decay_steps_, staircase_));
}

json InverseTimeDecay::get_config() const {
  return {{"initial_learning_rate", initial_learning_rate_},
          {"decay_steps", decay_steps_},
          {"decay_rate", decay_rate_},
          {"staircase", staircase_},
          {"name", name_json(name_)}};
}

json serialize(const LearningRateSchedule& schedule) {
  return {{"class_name", schedule.class_name()}, {"config", schedule.get_config()}};
}

namespace {

std::string optional_name(const json& c) {
  return c.contains("name") && c["name"].is_string() ? c["name"].get<std::string>() : "";
}

using ScheduleFactory = Registry<SchedulePtr>::Factory;

std::map<std::string, ScheduleFactory> schedule_factories() {
  return {
      {"ExponentialDecay",
       [](const json& c) {
         return std::make_shared<ExponentialDecay>(
             c.at("initial_learning_rate").get<double>(), c.at("decay_steps").get<double>(),
             c.at("decay_rate").get<double>(), c.value("staircase", false), optional_name(c));
       }},
      {"PiecewiseConstantDecay",
       [](const json& c) {
         return std::make_shared<PiecewiseConstantDecay>(
             c.at("boundaries").get<std::vector<double>>(),
             c.at("values").get<std::vector<double>>(), optional_name(c));
       }},
      {"CosineDecay",
       [](const json& c) {
         std::optional<double> target;
         if (c.contains("warmup_target") && !c["warmup_target"].is_null())
           target = c["warmup_target"].get<double>();
         return std::make_shared<CosineDecay>(
             c.at("initial_learning_rate").get<double>(), c.at("decay_steps").get<double>(),
             c.value("alpha", 0.0), target, c.value("warmup_steps", 0.0), optional_name(c));
       }},
      {"PolynomialDecay",
       [](const json& c) {
         return std::make_shared<PolynomialDecay>(
             c.at("initial_learning_rate").get<double>(), c.at("decay_steps").get<double>(),
             c.value("end_learning_rate", 0.0001), c.value("power", 1.0), c.value("cycle", false),
             optional_name(c));
       }},
      {"InverseTimeDecay",
       [](const json& c) {
         return std::make_shared<InverseTimeDecay>(
             c.at("initial_learning_rate").get<double>(), c.at("decay_steps").get<double>(),
             c.at("decay_rate").get<double>(), c.value("staircase", false), optional_name(c));
       }},
  };
}

}  // namespace

Registry<SchedulePtr>& schedule_registry() {
  static Registry<SchedulePtr> registry(
      "learning rate schedule", "TANDEM_REGISTER_LEARNING_RATE_SCHEDULE", schedule_factories());
  return registry;
}

SchedulePtr deserialize_schedule(const json& j) { return schedule_registry().deserialize(j); }

}  // namespace tandem::optimizers
