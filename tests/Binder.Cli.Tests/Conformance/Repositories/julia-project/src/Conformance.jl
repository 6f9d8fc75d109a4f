module Conformance
value() = "conformance"
end
