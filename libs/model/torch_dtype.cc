#include "libs/model/torch_dtype.h"

#include <ATen/core/Tensor.h>

#include <vector>

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

absl::Status AddTensor(SafetensorsWriter* writer, const std::string& name, const at::Tensor& tensor) {
  DType dtype;
  switch (tensor.scalar_type()) {
    case c10::ScalarType::Float: dtype = DType::kF32; break;
    case c10::ScalarType::Double: dtype = DType::kF64; break;
    case c10::ScalarType::BFloat16: dtype = DType::kBF16; break;
    case c10::ScalarType::Half: dtype = DType::kF16; break;
    case c10::ScalarType::Long: dtype = DType::kI64; break;
    case c10::ScalarType::Int: dtype = DType::kI32; break;
    case c10::ScalarType::Short: dtype = DType::kI16; break;
    case c10::ScalarType::Char: dtype = DType::kI8; break;
    case c10::ScalarType::Byte: dtype = DType::kU8; break;
    case c10::ScalarType::Bool: dtype = DType::kBool; break;
    default:
      return absl::InvalidArgumentError(base::StrCat(
          name, ": scalar type ", c10::toString(tensor.scalar_type()), " has no safetensors dtype"));
  }
  at::Tensor c = tensor.detach().cpu().contiguous();
  std::vector<int64_t> shape(c.sizes().begin(), c.sizes().end());
  return writer->Add(name, dtype, shape,
                     std::string_view(static_cast<const char*>(c.data_ptr()), c.nbytes()));
}

}  // namespace tracemill::model
