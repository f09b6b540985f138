// The parts of a saved model file that Model::save writes and models::load_model reads back: the
// architecture with its build_config, and variables restored by position from a tensor group.
#pragma once

#include <string>
#include <vector>

#include "tandem/core/error.h"
#include "tandem/core/variable.h"
#include "tandem/io/model_file.h"
#include "tandem/layers/layer.h"

namespace tandem::detail {

// Assigns saved[i] to variables[i] after checking the count, every shape and every dtype
// (ValueError naming the file and the first mismatch; nothing is assigned then). `what` names
// the values in messages ("weight", "optimizer variable").
void assign_saved(const std::vector<Variable>& variables,
                  const std::vector<const io::ModelFileTensor*>& saved, const std::string& path,
                  const std::string& what);
// The tensors of one group, in file order.
std::vector<const io::ModelFileTensor*> group_of(const io::ModelFileContents& contents,
                                                 const std::string& group);
// serialize_layer(layer) plus {"build_config": {"input_shapes": [...]}}.
nlohmann::json save_architecture(const Layer& layer);

// Runs `rebuild` (the part of a loader that turns a file's configs into objects) and names the
// loader and the file in what it throws: a config that does not match its class (a json error)
// becomes a ValueError saying so, a ValueError gains the prefix, an IOError already names the file.
template <typename Rebuild>
auto with_load_context(const char* loader, const std::string& path, Rebuild&& rebuild)
    -> decltype(rebuild()) {
  try {
    return rebuild();
  } catch (const nlohmann::json::exception& e) {
    throw ValueError(concat(loader, "('", path,
                            "'): a config in the file is not what its class expects: ", e.what()));
  } catch (const IOError&) {
    throw;
  } catch (const ValueError& e) {
    throw ValueError(concat(loader, "('", path, "'): ", e.what()));
  }
}

}  // namespace tandem::detail
