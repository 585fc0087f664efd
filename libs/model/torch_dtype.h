// Mapping between safetensors dtypes and libtorch scalar types, for the torch parts of
// libs/model (internal: include only from .cc files that already use torch).
#ifndef TRACEMILL_LIBS_MODEL_TORCH_DTYPE_H_
#define TRACEMILL_LIBS_MODEL_TORCH_DTYPE_H_

#include <c10/core/ScalarType.h>

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "libs/model/safetensors.h"

namespace at {
class Tensor;
}

namespace tracemill::model {

// Adds a copy of `tensor` (contiguous, on the CPU) under `name`, in the safetensors dtype
// of its scalar type. InvalidArgument for a scalar type safetensors has no name for.
absl::Status AddTensor(SafetensorsWriter* writer, const std::string& name, const at::Tensor& tensor);

// The floating-point scalar type of a weight stored as `dtype`; InvalidArgument naming
// `where` for non-float dtypes.
absl::StatusOr<c10::ScalarType> TorchFloatType(DType dtype, std::string_view where);

}  // namespace tracemill::model

#endif  // TRACEMILL_LIBS_MODEL_TORCH_DTYPE_H_
