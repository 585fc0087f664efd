#include "libs/model/torch_dtype.h"

#include "libs/base/str_cat.h"

namespace tracemill::model {

absl::StatusOr<c10::ScalarType> TorchFloatType(DType dtype, std::string_view where) {
  switch (dtype) {
    case DType::kF32:
      return c10::ScalarType::Float;
    case DType::kBF16:
      return c10::ScalarType::BFloat16;
    case DType::kF16:
      return c10::ScalarType::Half;
    case DType::kF64:
      return c10::ScalarType::Double;
    default:
      return absl::InvalidArgumentError(base::StrCat(
          where, ": dtype ", DTypeName(dtype), " is not a floating-point weight type"));
  }
}

}  // namespace tracemill::model
