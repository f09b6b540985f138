#include "tandem/layers/reshaping/zero_padding2d.h"

#include "tandem/layers/registry.h"
#include "tandem/ops/shape_ops.h"

namespace tandem::layers {

ZeroPadding2D::ZeroPadding2D(int64_t padding, LayerOptions options)
    : ZeroPadding2D(Pair{padding, padding}, Pair{padding, padding}, std::move(options)) {}

ZeroPadding2D::ZeroPadding2D(Pair symmetric, LayerOptions options)
    : ZeroPadding2D(Pair{symmetric.first, symmetric.first},
                    Pair{symmetric.second, symmetric.second}, std::move(options)) {}

ZeroPadding2D::ZeroPadding2D(Pair height, Pair width, LayerOptions options)
    : Layer("ZeroPadding2D", options), height_(height), width_(width) {
  TANDEM_CHECK(height.first >= 0 && height.second >= 0 && width.first >= 0 && width.second >= 0,
               ValueError, "ZeroPadding2D: expected non-negative padding, received ((",
               height.first, ", ", height.second, "), (", width.first, ", ", width.second, "))");
  set_input_spec({.ndim = 4});
}

std::vector<Shape> ZeroPadding2D::compute_output_shape(const std::vector<Shape>& input_shapes) {
  const Shape& s = single_input_shape(input_shapes);
  auto padded = [](int64_t in, const Pair& p) { return in < 0 ? in : in + p.first + p.second; };
  return {Shape{s[0], padded(s[1], height_), padded(s[2], width_), s[3]}};
}

Tensors ZeroPadding2D::call(const Tensors& inputs, const CallContext&) {
  return {pad(inputs[0], {{0, 0}, height_, width_, {0, 0}})};
}

json ZeroPadding2D::get_config() const {
  json config = Layer::get_config();
  config["padding"] = {{height_.first, height_.second}, {width_.first, width_.second}};
  config["data_format"] = "channels_last";
  return config;
}

std::shared_ptr<Layer> ZeroPadding2D::from_config(const json& config) {
  LayerOptions o = options_from_config(config);
  const json p = config.value("padding", json(1));
  if (p.is_number_integer()) return std::make_shared<ZeroPadding2D>(p.get<int64_t>(), o);
  TANDEM_CHECK(p.is_array() && p.size() == 2, ValueError,
               "ZeroPadding2D.from_config: expected padding as an int, (h, w) or ((top, bottom), "
               "(left, right)), received ",
               p.dump());
  if (p[0].is_number_integer())
    return std::make_shared<ZeroPadding2D>(Pair{p[0].get<int64_t>(), p[1].get<int64_t>()}, o);
  return std::make_shared<ZeroPadding2D>(Pair{p[0][0].get<int64_t>(), p[0][1].get<int64_t>()},
                                         Pair{p[1][0].get<int64_t>(), p[1][1].get<int64_t>()}, o);
}

TANDEM_REGISTER_LAYER(ZeroPadding2D);

}  // namespace tandem::layers
