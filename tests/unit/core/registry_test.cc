// Registry<Product>: built-ins, registrations, custom_objects scopes, key folding and the errors.
#include "tandem/core/registry.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "testing/assertions.h"

namespace tandem {
namespace {

using nlohmann::json;
using testing::expect_error;

struct Shape2 {
  std::string kind;
  double size;
};
using ShapePtr = std::shared_ptr<const Shape2>;

Registry<ShapePtr> make_registry() {
  return Registry<ShapePtr>(
      "shape", "TANDEM_REGISTER_SHAPE",
      {{"Square", [](const json& c) {
          return std::make_shared<const Shape2>(Shape2{"square", c.value("side", 1.0)});
        }}});
}

TEST(Registry, BuildsBuiltinsFromTheirConfig) {
  Registry<ShapePtr> registry = make_registry();
  ShapePtr s = registry.deserialize({{"class_name", "Square"}, {"config", {{"side", 2.5}}}});
  EXPECT_EQ(s->kind, "square");
  EXPECT_EQ(s->size, 2.5);
  EXPECT_EQ(registry.make("Square", json::object())->size, 1.0);  // the config is optional
  EXPECT_EQ(registry.names(), std::vector<std::string>{"Square"});
}

TEST(Registry, UnknownClassNamesItCustomObjectsAndTheMacro) {
  Registry<ShapePtr> registry = make_registry();
  expect_error<ValueError>([&] { registry.make("Circle", json::object()); },
                           "unknown shape class 'Circle': pass it in custom_objects");
  expect_error<ValueError>([&] { registry.make("Circle", json::object()); },
                           "register it with TANDEM_REGISTER_SHAPE(Circle); known classes: Square");
  expect_error<ValueError>([&] { registry.deserialize(json::array()); },
                           "deserializing a shape: expected {\"class_name\"");
  expect_error<ValueError>(
      [&] {
        registry.deserialize({{"class_name", "Square"}, {"config", 3}});
      },
      "expected an object config");
  // A factory that cannot read its config.
  registry.add("Strict", [](const json& c) {
    return std::make_shared<const Shape2>(Shape2{"strict", c.at("side").get<double>()});
  });
  expect_error<ValueError>([&] { registry.make("Strict", json::object()); },
                           "bad config for shape class 'Strict'");
  expect_error<ValueError>([&] { registry.add("", nullptr); }, "registering a shape");
}

TEST(Registry, RegistrationsReplaceBuiltins) {
  Registry<ShapePtr> registry = make_registry();
  EXPECT_TRUE(registry.add("Circle", [](const json&) {
    return std::make_shared<const Shape2>(Shape2{"circle", 1});
  }));
  EXPECT_EQ(registry.make("Circle", json::object())->kind, "circle");
  registry.add("Square", [](const json&) {
    return std::make_shared<const Shape2>(Shape2{"my square", 1});
  });
  EXPECT_EQ(registry.make("Square", json::object())->kind, "my square");
}

TEST(Registry, CustomObjectScopesComeFirstInnermostFirstAndEnd) {
  Registry<ShapePtr> registry = make_registry();
  auto make = [](std::string kind) {
    return [kind](const json&) -> ShapePtr {
      return std::make_shared<const Shape2>(Shape2{kind, 0});
    };
  };
  const CustomObjects outer = {{"Square", make("outer square")}, {"Hexagon", make("hexagon")}};
  const CustomObjects inner = {{"Square", make("inner square")}};
  // A factory of another kind under the same name is not this registry's.
  const CustomObjects other_kind = {{"Hexagon", [](const json&) { return 42; }}};
  {
    CustomObjectScope a(outer);
    EXPECT_EQ(registry.make("Square", json::object())->kind, "outer square");
    {
      CustomObjectScope b(inner);
      CustomObjectScope c(other_kind);
      EXPECT_EQ(registry.make("Square", json::object())->kind, "inner square");
      EXPECT_EQ(registry.make("Hexagon", json::object())->kind, "hexagon");
    }
    EXPECT_EQ(registry.make("Square", json::object())->kind, "outer square");
  }
  EXPECT_EQ(registry.make("Square", json::object())->kind, "square");
  EXPECT_FALSE(registry.contains("Hexagon"));
}

TEST(Registry, KeysFoldNames) {
  auto lower = [](const std::string& s) {
    std::string out = s;
    for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
  };
  Registry<ShapePtr> registry("shape", "TANDEM_REGISTER_SHAPE", {}, lower);
  registry.add("Circle", [](const json&) {
    return std::make_shared<const Shape2>(Shape2{"circle", 1});
  });
  EXPECT_EQ(registry.make("CIRCLE", json::object())->kind, "circle");
  EXPECT_EQ(registry.make("circle", json::object())->kind, "circle");
}

Registry<ShapePtr>& global_registry() {
  static Registry<ShapePtr> registry = make_registry();
  return registry;
}
TANDEM_REGISTER_IN(global_registry(), "Triangle", [](const json&) {
  return std::make_shared<const Shape2>(Shape2{"triangle", 3});
});

TEST(Registry, TheMacroRegistersAtStaticInitialisation) {
  EXPECT_EQ(global_registry().make("Triangle", json::object())->size, 3);
}

}  // namespace
}  // namespace tandem
