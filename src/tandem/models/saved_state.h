// The parts of a saved model file that Model::save writes and models::load_model reads back: the
// architecture with its build_config, and variables restored by position from a tensor group.
#pragma once

#include <string>
#include <vector>

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

}  // namespace tandem::detail
