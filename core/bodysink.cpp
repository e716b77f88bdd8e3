// Out-of-line anchor for the sink interface's vtable.
#include "bodysink.h"

namespace Parafetch {

BodySink::~BodySink() = default;

} // namespace Parafetch
