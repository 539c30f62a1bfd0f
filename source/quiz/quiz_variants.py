"""Your numbers for the quiz, drawn from your learner id (generated from the course's question banks)."""

import hashlib
import os

QUESTIONS: dict[str, dict] = {'E06': {'ask': 'For L = {c_loss}·(y − ŷ)^{k_loss}, what is ∂L/∂ŷ?', 'names': ['c_loss', 'k_loss']},
 'E07': {'ask': 'In the course network at the start (every weight {w}, every bias 0), what does the network '
                'predict for x = ({x1}, {x2})?',
         'names': ['x1', 'x2', 'w']},
 'E08': {'ask': 'Same network and row (every weight {w}, every bias 0, x = ({x1}, {x2})), with target y = '
                '{y}: what is the loss (y − ŷ)² of that first prediction?',
         'names': ['x1', 'x2', 'w', 'y']},
 'E09': {'ask': 'Same step (every weight {w}, every bias 0, x = ({x1}, {x2}), y = {y}): what is ∂L/∂b2, the '
                'gradient for the output bias?',
         'names': ['x1', 'x2', 'w', 'y']},
 'E10': {'ask': 'Same step (every weight {w}, every bias 0, x = ({x1}, {x2}), y = {y}): what is ∂L/∂W2[0], '
                'the gradient for the first output weight?',
         'names': ['x1', 'x2', 'w', 'y']},
 'E11': {'ask': 'Same step (every weight {w}, every bias 0, x = ({x1}, {x2}), y = {y}): what is ∂L/∂W1[0, 0] '
                '(input 0 → hidden unit 0)?',
         'names': ['x1', 'x2', 'w', 'y']},
 'E12': {'ask': 'Same step (every weight {w}, every bias 0, x = ({x1}, {x2}), y = {y}), with η = {eta}: what '
                'is W2[0] after that first update?',
         'names': ['x1', 'x2', 'w', 'y', 'eta']},
 'E13': {'ask': 'How many trainable parameters does a {n_in}-{n_hidden}-1 network with biases have?',
         'names': ['n_in', 'n_hidden']},
 'E14': {'ask': 'What is the derivative of a = σ({c_sig}·z) with respect to z, written with a?',
         'names': ['c_sig']},
 'E15': {'ask': 'What is the largest value the derivative of σ({c_sig}·z) with respect to z can take?',
         'names': ['c_sig']},
 'E17': {'ask': 'How many parameter updates happen in one epoch of per-sample SGD on {rows} rows?',
         'names': ['rows']},
 'E23': {'ask': 'With a sigmoid output and the BCE loss scaled by {c_bce}, L = −{c_bce}·[y·log ŷ + (1 − '
                'y)·log(1 − ŷ)], what does (∂L/∂ŷ)·(∂ŷ/∂z) simplify to?',
         'names': ['c_bce']},
 'M02': {'ask': "X is {batch}×{features} (batch × features), the layer's dZ is {batch}×{units}. What is the "
                'shape of dW = Xᵀ dZ?',
         'names': ['batch', 'features', 'units']},
 'M03': {'ask': 'f(x, y) = x·y + x. What is ∂f/∂x at x = {x_f}, y = {y_f}, and why does it "add up"?',
         'names': ['x_f', 'y_f']},
 'M05': {'ask': 'Centred difference (f(x + h) − f(x − h))/(2h) of f(x) = x^{p_fd} at x = {x_fd} with h = '
                '{h_fd}: what value do you get?',
         'names': ['p_fd', 'x_fd', 'h_fd']},
 'M06': {'ask': 'The one-sided difference (f(x + h) − f(x))/h for the same f, x and h (f(x) = x^{p_fd}, x = '
                '{x_fd}, h = {h_fd})?',
         'names': ['p_fd', 'x_fd', 'h_fd']},
 'M07': {'ask': 'Upper bound of the product of sigmoid derivatives through {layers} sigmoid layers (unit '
                'weights)?',
         'names': ['layers']},
 'M08': {'ask': "What is tanh'({z_tanh}), and why does tanh suffer less from vanishing gradients than "
                'sigmoid?',
         'names': ['z_tanh']},
 'M09': {'ask': 'What is a dead ReLU, and what gradient does a ReLU pass back at z = {z_relu} when {g_relu} '
                'arrives from above?',
         'names': ['z_relu', 'g_relu']},
 'M10': {'ask': 'How many parameters does a {big_in}-{big_hidden}-{big_out} fully connected network with '
                'biases have?',
         'names': ['big_in', 'big_hidden', 'big_out']},
 'M11': {'ask': 'Sigmoid output with BCE: y = {y_bce}, ŷ = {p_bce}. What is ∂L/∂z at the output?',
         'names': ['y_bce', 'p_bce']},
 'M12': {'ask': 'Gradient descent on L(w) = {c_quad}·w²: above which learning rate does it diverge?',
         'names': ['c_quad']},
 'M13': {'ask': '{n_samples} samples, mini-batches of {n_batch}, last batch kept: how many updates per '
                'epoch?',
         'names': ['n_samples', 'n_batch']},
 'M14': {'ask': 'You sum the per-sample gradients of a batch of {n_sum} instead of averaging them. By what '
                'factor is the step larger?',
         'names': ['n_sum']},
 'M15': {'ask': 'Why can a single-layer network not learn XOR, and how many hidden units suffice?',
         'names': []},
 'M18': {'ask': 'Same first step of the course network (every weight {w}, every bias 0, x = ({x1}, {x2}), y '
                '= {y}, η = {eta}), but with that stale-W2 bug (W2 updated before ∂L/∂W1 is computed): what '
                '∂L/∂W1[0, 0] comes out?',
         'names': ['x1', 'x2', 'w', 'y', 'eta']},
 'M22': {'ask': 'What is the Jacobian of z = Wx with respect to x, for W of shape {rows_w}×{cols_w}? Give '
                'its shape.',
         'names': ['rows_w', 'cols_w']},
 'M24': {'ask': 'With the reverse mode of automatic differentiation, how many backward passes give the full '
                'Jacobian of a function with {n_out} output(s) with respect to n parameters?',
         'names': ['n_out']},
 'M26': {'ask': 'A 3-class softmax output has logits z = ({z0}, {z1}, {z2}) and the true class is 0. With '
                'the cross-entropy L = −log softmax(z)₀, what is ∂L/∂z₀?',
         'names': ['z0', 'z1', 'z2']}}  # question id → {"ask": template, "names": [parameter names]}
CHOICES: dict[str, list[str]] = {'c_loss': ['1', '2', '3', '4', '5', '6'],
 'k_loss': ['2', '3', '4'],
 'x1': ['2', '3', '4', '5', '6', '7', '8', '9'],
 'x2': ['2', '3', '4', '5', '6', '7', '8', '9'],
 'w': ['0.1', '0.2', '0.3', '0.4'],
 'y': ['1', '2', '3', '4', '5', '6', '7', '8', '9'],
 'eta': ['0.001', '0.002', '0.005', '0.01'],
 'n_in': ['2', '3', '4', '5', '6', '7', '8', '9'],
 'n_hidden': ['2', '3', '4', '5', '6', '7', '8', '9'],
 'c_sig': ['1', '2', '3', '5', '6', '7', '8', '9', '10'],
 'rows': ['3',
          '4',
          '5',
          '6',
          '7',
          '8',
          '9',
          '10',
          '11',
          '12',
          '13',
          '14',
          '15',
          '16',
          '17',
          '18',
          '19',
          '20',
          '21',
          '22',
          '23',
          '24',
          '25',
          '26',
          '27',
          '28',
          '29',
          '30'],
 'c_bce': ['1', '2', '3', '4', '5', '6', '7', '8', '9'],
 'batch': ['16', '32', '64', '128'],
 'features': ['12', '20', '50', '64', '100', '128', '256', '784'],
 'units': ['3', '5', '10', '30', '32', '40'],
 'x_f': ['2', '3', '4', '5', '6', '7', '8', '9'],
 'y_f': ['2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'],
 'p_fd': ['2', '3', '4', '5'],
 'x_fd': ['1', '2', '3', '4'],
 'h_fd': ['1/1000', '1/100'],
 'layers': ['2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'],
 'z_tanh': ['0', '0.1', '0.2', '0.3', '0.4', '0.5', '0.75', '1', '1.5', '2'],
 'z_relu': ['-5', '-4', '-3', '-2', '-1', '1', '2', '3', '4', '5'],
 'g_relu': ['0.5', '1', '1.5', '2', '2.5', '3', '4', '5', '6'],
 'big_in': ['64', '784', '1024', '3072'],
 'big_hidden': ['32', '64', '128', '256', '512'],
 'big_out': ['2', '10', '100'],
 'y_bce': ['0', '1'],
 'p_bce': ['0.05', '0.1', '0.2', '0.3', '0.4', '0.6', '0.7', '0.8', '0.9', '0.95'],
 'c_quad': ['0.5', '1', '2', '4', '5', '8', '10', '20', '25', '50'],
 'n_samples': ['500', '1000', '1200', '2000', '5000', '60000'],
 'n_batch': ['16', '32', '64', '100', '128', '256'],
 'n_sum': ['2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13', '14', '15', '16'],
 'rows_w': ['2', '3', '4', '5', '6', '7', '8', '9'],
 'cols_w': ['10', '11', '12', '13', '14', '15', '16'],
 'n_out': ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'],
 'z0': ['1', '2', '3', '4', '5', '6'],
 'z1': ['0', '1', '2', '3', '4', '5'],
 'z2': ['1/2', '3/2', '5/2', '7/2']}  # parameter name → its possible values, as written


def pick(learner: str, name: str, count: int) -> int:
    """Which of `count` choices parameter `name` takes for `learner`: a hash, so it is stable,
    independent between parameters, and the same in every process on every machine."""
    digest = hashlib.sha256(f"{learner}\0{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % count


def learner_id(typed: str = "") -> str:
    """JupyterHub's user name when there is one, else the id typed at the top of the notebook."""
    return (os.environ.get("JUPYTERHUB_USER") or str(typed or "")).strip()


def numbers(learner: str, question: str) -> dict[str, str]:
    """The learner's values of the question's parameters, as written (name → text)."""
    return {n: CHOICES[n][pick(learner, n, len(CHOICES[n]))] for n in QUESTIONS[question]["names"]}


def ask(learner: str, question: str) -> str:
    """The question with the learner's numbers in it."""
    return QUESTIONS[question]["ask"].format(**numbers(learner, question))


# --- in the learner's notebook -----------------------------------------------------------------

_learner = ""
NO_ID = ("No learner id yet. Type the id your instructor gave you between the quotes of LEARNER_ID "
         "above and run that cell again (on JupyterHub your user name is used by itself). Until then "
         "no question can show your numbers.")


def use(typed: str = "") -> str:
    """Set whose numbers the questions show, and say so."""
    global _learner
    _learner = learner_id(typed)
    if not _learner:
        print(NO_ID)
    else:
        hub = " (your JupyterHub user name)" if os.environ.get("JUPYTERHUB_USER") else ""
        print(f"The questions below show the numbers of learner {_learner!r}{hub}.")
    return _learner


class Shown(str):
    """A question as the notebook displays it: Markdown when a cell ends with it, text otherwise."""

    def _repr_markdown_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return str(self)


def show(question: str) -> Shown:
    """The question with this learner's numbers (a cell that ends with it displays it)."""
    if not _learner:
        return Shown(NO_ID)
    return Shown(f"**{question}.** " + ask(_learner, question))
