// Callback::model(), declared with the Callback in training/ and defined here, beside Model: the
// callback holds the model as a Trainer (all that training/ knows of it), and the cast back to
// the Model it is needs Model's definition.
#include "tandem/models/model.h"
#include "tandem/training/callbacks/callback.h"

namespace tandem {

Model& Callback::model() const { return dynamic_cast<Model&>(trainer()); }

}  // namespace tandem
