// libFuzzer target for the safetensors header parser: any bytes, taken as a whole file,
// must parse or give an error; a parsed header must describe tensors inside the file.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "libs/model/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view file(reinterpret_cast<const char*>(data), size);
  auto header = tracemill::model::ParseSafetensorsHeader(file, size, "fuzz");
  if (!header.ok()) return 0;
  for (const auto& t : header->tensors) {
    if (t.end < t.begin || header->data_start + t.end > size) std::abort();
  }
  return 0;
}
