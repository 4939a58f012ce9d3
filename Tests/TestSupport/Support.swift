import GradNN
/// placeholder
