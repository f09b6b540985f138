// Umbrella header: everything a Tandem program uses.
#pragma once

#include "tandem/autodiff/gradient_tape.h"
#include "tandem/core/allocator.h"
#include "tandem/core/config.h"
#include "tandem/core/device.h"
#include "tandem/core/dtype.h"
#include "tandem/core/error.h"
#include "tandem/core/shape.h"
#include "tandem/core/tensor.h"
#include "tandem/core/variable.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/indexing.h"
#include "tandem/ops/math.h"
#include "tandem/ops/reduction.h"
#include "tandem/ops/shape_ops.h"
#include "tandem/ops/sorting.h"
