"""np.linalg's decompositions (dualad/decompositions.py): eigh, eigvalsh, cholesky, svd,
svdvals, qr, cond, norm / matrix_norm of ord 2, -2, 'nuc' (singular values), pinv and
lstsq.

Each case: the primal equals NumPy's own value exactly in forward and reverse mode;
the gradients of forward, reverse and compile agree, and symbolic's too for cholesky;
the Hessians of forward and reverse mode agree; the gradients equal numbers jax.grad
(64-bit) computed, and for one case per decomposition jax.hessian and nested jax.grad
(third derivatives along a line, which dualad.derivative takes by nested Duals).

The JAX numbers come from running each f with np replaced by jax.numpy.  eigh, eigvalsh
and cholesky of x itself read one triangle of x in NumPy (and in dualad), where JAX
symmetrizes, (x + xᵀ)/2: JAX was given the symmetric matrix of the triangle NumPy reads,
tril(x) + tril(x, -1)ᵀ (triu for UPLO='U' or upper=True).  The cases built symmetric
("eigh of x xᵀ + 1", "cholesky gaussian log-likelihood") ran JAX's own eigh and
cholesky: the two conventions agree there.  U, V and Q enter only through expressions
their signs cannot change (a column squared, a column times its R_jj).
"""

import numpy as np
import pytest

import dualad
import reverse
import symbolic
from dualad import decompositions

X = np.array([[3.0, 0.3, -0.5], [0.4, 2.0, 0.2], [-0.6, 0.1, 1.0]])
T = np.array([[1.0, 0.5, -0.3], [0.2, -1.1, 0.8], [0.7, 0.4, 1.3], [-0.5, 0.9, 0.1]])
W = np.array([[0.3, -1.0, 2.0], [1.0, 0.5, -0.2], [0.1, 0.2, 0.7]])
C = np.array([1.0, -2.0, 0.5])
C4 = np.array([0.5, 1.0, -1.5, 2.0])
Q0 = np.array([[0.0, 1.0, 0.0], [0.6, 0.0, -0.8], [0.8, 0.0, 0.6]])   # orthogonal


def _eigvecs(x):
    v = np.linalg.eigh(x).eigenvectors
    return (v[:, 0] @ C) ** 2 + (v[:, 2] @ C[::-1]) ** 2 * 3.0


def _gaussian(x):
    # log N(C; 0, x xᵀ + 1) up to a constant, by its Cholesky factor
    low = np.linalg.cholesky(x @ x.T + np.eye(3))
    z = np.linalg.solve(low, C)
    return -0.5 * (z @ z) - np.sum(np.log(np.diagonal(low)))


def _svd_u_tall(x):
    u = np.linalg.svd(x, full_matrices=False).U
    return (u[:, 0] @ C4) ** 2 + (u[:, 2] @ C4) ** 2 * 2.0


def _svd_square(x):
    u, s, vh = np.linalg.svd(x)
    return (u[:, 0] @ C) ** 2 * s[1] + (vh[2] @ C) ** 2


def _svd_stack(x):
    u, s, vh = np.linalg.svd(np.stack([x, 2.0 * x + 1.0]), full_matrices=False)
    return np.sum(s ** 2 * np.array([1.0, 2.0, 3.0])) + (u[1, :, 0] @ C4) ** 2 + (vh[0, 1] @ C) ** 2


def _qr(x):
    q, r = np.linalg.qr(x)
    return np.sum((q * np.diagonal(r)) ** 3)     # column j times R_jj: the same for ±


def _qr_square(x):
    q, r = np.linalg.qr(x)
    return np.sum(np.outer(q[:, 1], r[1]) * W) + np.sum(r ** 2 * W)


CASES = {   # name: (f, the point); a vector's (or a row's) sign enters squared only
    "eigh eigenvalues": (lambda x: np.linalg.eigh(x).eigenvalues @ np.array([1.0, 2.0, 4.0]), X),
    "eigh eigenvalues, UPLO='U'": (lambda x: np.sum(np.linalg.eigh(x, UPLO="U")[0] ** 3), X),
    "eigvalsh": (lambda x: np.sum(np.exp(np.linalg.eigvalsh(x))), X),
    "eigvalsh 'U'": (lambda x: np.linalg.eigvalsh(x, "U") @ np.array([2.0, -1.0, 0.5]), X),
    "eigh eigenvectors": (_eigvecs, X),
    "eigh eigenvectors, UPLO='U'": (lambda x: (np.linalg.eigh(x, "U")[1][:, 1] @ C) ** 2, X),
    "eigh of x xᵀ + 1": (lambda x: np.sum(np.linalg.eigh(x @ x.T + np.eye(3))[0] ** 2)
                         + _eigvecs(x @ x.T + np.eye(3)), X),
    "eigh of a stack": (lambda x: np.sum(np.linalg.eigh(np.stack([x, 2.0 * x.T]))[0] *
                                         np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
                        + (np.linalg.eigh(np.stack([x, x.T])).eigenvectors[1, :, 0] @ C) ** 2,
                        X),
    "cholesky": (lambda x: np.sum(np.linalg.cholesky(x) * W), X),
    "cholesky upper": (lambda x: np.sum(np.linalg.cholesky(x, upper=True) ** 2 * W), X),
    "cholesky gaussian log-likelihood": (_gaussian, X),
    "cholesky of a stack": (lambda x: np.sum(np.linalg.cholesky(np.stack([x, x + np.eye(3)]))
                                             ** 3), X),
    "svd singular values": (lambda x: np.sum(np.linalg.svd(x, compute_uv=False) ** 3), T),
    "svdvals": (lambda x: np.linalg.svdvals(x) @ np.array([1.0, 2.0, 3.0]), T.T),
    "svd reconstructed": (lambda x: np.sum(np.sin((lambda r: (r.U * r.S) @ r.Vh)(
        np.linalg.svd(x, full_matrices=False)))), T),
    "svd U tall": (_svd_u_tall, T),
    "svd Vh tall": (lambda x: (np.linalg.svd(x, full_matrices=False).Vh[1] @ C) ** 2, T),
    "svd U wide": (lambda x: (np.linalg.svd(x, full_matrices=False)[0][:, 1] @ C) ** 2, T.T),
    "svd Vh wide": (lambda x: (np.linalg.svd(x, False)[2][0] @ C4) ** 2
                    + (np.linalg.svd(x, False)[2][2] @ C4) ** 2, T.T),
    "svd square, full_matrices": (_svd_square, X),
    "svd of a stack": (_svd_stack, T),
    "norm 2": (lambda x: np.linalg.norm(x, 2), T),
    "norm -2": (lambda x: np.linalg.norm(x, -2), T),
    "norm nuc": (lambda x: np.linalg.norm(x, "nuc"), T),
    "norm 2 over axes (2, 1), kept": (lambda x: np.sum(np.linalg.norm(
        np.stack([x, x ** 2]), 2, axis=(2, 1), keepdims=True)[:, 0, 0] * np.array([1.0, 3.0])), T),
    "matrix_norm nuc": (lambda x: np.linalg.matrix_norm(np.stack([x, x ** 2]), ord="nuc")
                        @ np.array([1.0, 2.0]), T),
    "cond": (lambda x: np.linalg.cond(x), T),
    "cond -2": (lambda x: np.linalg.cond(x, -2), X),
    "cond fro": (lambda x: np.linalg.cond(x, "fro"), X),
    "qr": (_qr, T),
    "qr mode r": (lambda x: np.sum(np.linalg.qr(x, mode="r") ** 2 * W), T),
    "qr square": (_qr_square, X),
    "qr of a stack": (lambda x: np.sum(np.linalg.qr(np.stack([x, x ** 2]), "r") ** 2), T),
}

CASES.update({   # pinv: JAX's rule; lstsq: x = pinv(a)·b
    "pinv": (lambda x: np.sum(np.linalg.pinv(x) * T.T), T),
    "pinv of a wide matrix, squared": (lambda x: np.sum(np.linalg.pinv(x) ** 2), T.T),
    "pinv of an orthogonal matrix": (lambda x: np.sum(np.linalg.pinv(x @ Q0) * W), np.eye(3)),
    "pinv of rank 2": (lambda x: np.sum(np.linalg.pinv(x[:, :2] @ x[:2]) * W), X),
    "pinv of a stack": (lambda x: np.sum(np.linalg.pinv(np.stack([x, x ** 2])) ** 3), T),
    "lstsq": (lambda x: np.sum(np.linalg.lstsq(x, C4)[0] ** 2), T),
    "lstsq residuals and s": (lambda x: np.sum(np.linalg.lstsq(x, x[:, :2] ** 2)[1])
                              + np.linalg.lstsq(x, C4)[3] @ C, T),
    "lstsq in b": (lambda x: np.sum(np.linalg.lstsq(T, x)[0] * W), T ** 2),
})

# jax.grad(f)(x), 64-bit (see the module docstring)
JAX = {
    'eigh eigenvalues': [
        [3.6553687750769828, 0.0, 0.0],
        [1.1274614947626744, 2.1213398684669316, 0.0],
        [-1.416847758199255, 0.06987190882426586, 1.2232913564560892],
    ],
    "eigh eigenvalues, UPLO='U'": [
        [28.019999999999992, 8.4, -11.639999999999988],
        [0.0, 12.390000000000013, 2.699999999999995],
        [0.0, 0.0, 3.869999999999998],
    ],
    'eigvalsh': [
        [23.361759359309474, 0.0, 0.0],
        [10.420001173308869, 8.238244467018257, 0.0],
        [-11.013272223522014, -0.962472530286504, 3.8171480455682043],
    ],
    "eigvalsh 'U'": [
        [0.5560769790346551, 0.27423371594937834, 0.8217423818128794],
        [0.0, -0.784217213091766, -1.3885825513781012],
        [0.0, 0.0, 1.7281402340571104],
    ],
    'eigh eigenvectors': [
        [-1.119604285957206, 0.0, 0.0],
        [3.3857140643493646, 0.08173480433921214, 0.0],
        [-0.922859654231196, 2.494723492967358, 1.0378694816179934],
    ],
    "eigh eigenvectors, UPLO='U'": [
        [-0.06788047685207708, 0.24322455931705117, 0.7104212439898745],
        [0.0, 1.0909003409690814, -3.3644806653255332],
        [0.0, 0.0, -1.0230198641170032],
    ],
    'eigh of x xᵀ + 1': [
        [131.31512499050191, 26.552145352403087, -28.2970815176063],
        [30.083561626839767, 43.606741549048124, 1.9541543690532108],
        [-33.5878880784754, 1.4937678897432505, 15.198592405267998],
    ],
    'eigh of a stack': [
        [14.248658217727806, 2.115716507140706, -2.3692797849502547],
        [0.613939303249162, 11.252667524619254, 3.7366891132230937],
        [-0.9797833494661745, 0.19897867617916945, 10.498674257652944],
    ],
    'cholesky': [
        [0.07011318933670974, 0.0, 0.0],
        [0.5452139652743955, 0.17577523985619006, 0.0],
        [0.19858246643225566, 0.07368546689876818, 0.37668042108282196],
    ],
    'cholesky upper': [
        [0.28284093609443406, -0.3409698781210545, -0.4104906937394248],
        [0.0, 0.5144940606560334, -0.2284263959390863],
        [0.0, 0.0, 0.7],
    ],
    'cholesky gaussian log-likelihood': [
        [-0.19430453348855942, -0.2085515135488656, 0.027487786279655223],
        [-0.1594430808914986, 0.02466988762607183, -0.14496048027778327],
        [0.15530914266190696, -0.4235666300546563, -0.326822710833391],
    ],
    'cholesky of a stack': [
        [5.794414039447159, 0.0, 0.0],
        [-1.0013900659508954, 4.689440245509197, 0.0],
        [1.5712978910465667, -0.4304856246682181, 3.4620968772940426],
    ],
    'svd singular values': [
        [3.7711781545121332, 2.6070406926051146, -0.8205815949870534],
        [1.2311856002343133, -5.427008116254003, 4.292186496867171],
        [3.8075299620777336, 1.4213271123424078, 6.341028688438552],
        [-1.7479167407478062, 4.070792425675212, -0.30403304833343453],
    ],
    'svdvals': [
        [2.220527821901109, -0.09960519767672059, 0.25870847165170696, -1.2494315967731053],
        [0.32167399368980176, -1.020371930318903, 1.0072616438516548, 1.2477163567246916],
        [-1.00243536948456, 0.3396432047667869, 1.2748873370025462, 0.9847581172247608],
    ],
    'svd reconstructed': [
        [0.5403023058681397, 0.8775825618903743, 0.9553364891256064],
        [0.9800665778412415, 0.45359612142557676, 0.6967067093471663],
        [0.7648421872844882, 0.9210609940028859, 0.2674988286245862],
        [0.8775825618903725, 0.6216099682706658, 0.9950041652780264],
    ],
    'svd U tall': [
        [-2.386565359692712, 0.21019433795492204, 0.46295849777449716],
        [-2.4367226511324773, 2.7182912682971825, -0.043697664770498135],
        [1.949908374902932, -0.0553630455830173, 1.791998063691046],
        [-2.323607687473002, 1.0785395841428136, 1.2790120075515676],
    ],
    'svd Vh tall': [
        [-0.35992949267232643, -3.3120017238568358, 3.9724903905624545],
        [2.7333652113197577, 6.977581363617892, -1.7568413900977133],
        [3.8787837053879928, 3.719760969911126, 7.170593390085741],
        [-0.38125000765102596, -2.4822608786739484, 2.6040243969691423],
    ],
    'svd U wide': [
        [-0.35992949267231206, 2.733365211319755, 3.8787837053880105, -0.3812500076510234],
        [-3.312001723856824, 6.977581363617889, 3.7197609699111354, -2.4822608786739457],
        [3.972490390562469, -1.7568413900977295, 7.170593390085725, 2.6040243969691392],
    ],
    'svd Vh wide': [
        [-1.1065282221241994, -1.2692916731746702, 1.7209776701339594, -1.6447387758748888],
        [-0.03830213534616314, 2.319899861811508, -0.04383948241300761, 0.6878146002616226],
        [0.43706154852635, -0.8792855035706016, 1.6410047154945677, 0.041171053948491076],
    ],
    'svd square, full_matrices': [
        [0.22704547196332237, -0.14830636885749315, -0.8438263045081006],
        [-0.4652171033039227, -1.1360218330076868, 2.5971550500335914],
        [0.017236164807247784, 1.0683960069408693, 0.981235757176699],
    ],
    'svd of a stack': [
        [27.443038093485534, 7.16041581661605, -6.401928055583849],
        [8.996916997964032, -9.519893748031762, 15.062629897808304],
        [11.92674123880994, 12.857365225062743, 28.40323756319306],
        [-12.126679809493083, 20.943483486339307, 11.72930872438343],
    ],
    'norm 2': [
        [-0.014118374477618467, 0.016043403048897724, -0.027326399295210815],
        [0.28443427471933963, -0.32321665057668997, 0.5505282903882476],
        [0.2619744002856811, -0.2976943910178403, 0.5070567492510288],
        [-0.1260870001423522, 0.14327885732999796, -0.2440439384354974],
    ],
    'norm -2': [
        [0.578286615632682, -0.1975189649882248, -0.4147397261369264],
        [0.0010881167060984261, -0.00037165599162245427, -0.0007803833125180343],
        [-0.20430234109225298, 0.06978129160583062, 0.14652301247026345],
        [-0.48678255905919526, 0.16626493617615343, 0.3491141931610583],
    ],
    'norm nuc': [
        [0.814061415895405, 0.26761818086346234, -0.30751102132142183],
        [0.09187048016826062, -0.6716084624519849, 0.44547593923377615],
        [0.36249260651482107, 0.319892980613992, 0.8177105368916555],
        [-0.444368018928132, 0.6123651389392679, 0.1957999928141024],
    ],
    'norm 2 over axes (2, 1), kept': [
        [0.5166737012663083, 0.39917132872368727, -0.39848100427209504],
        [0.5060200961570287, -2.0825738830319667, 2.616437002606493],
        [1.3643459702451621, 0.6116728998063716, 5.278859514969956],
        [-0.36984734177502043, 0.7766888759596047, -0.13041152951039894],
    ],
    'matrix_norm nuc': [
        [4.609079774468588, 0.42229226105294887, -0.14947434565682724],
        [-0.05013879080359902, -4.23164865414526, 1.2447062646529798],
        [0.9239524931570824, 0.11893865431327655, 5.7619330819543695],
        [-0.7799006547332061, 2.660260926582027, 0.14483721252456785],
    ],
    'cond': [
        [-0.836285741671218, 0.29577490993923927, 0.5659498251502357],
        [0.25532857088945843, -0.2913740007311447, 0.49830419890368044],
        [0.5275401731040376, -0.3682288213866916, 0.24927014969847405],
        [0.5793530449016069, -0.10737915203344477, -0.7175726780368777],
    ],
    'cond -2': [
        [-0.047755934438405354, -0.036553416544205165, 0.0973223470336425],
        [-0.032987039998937775, 0.007306221894928942, -0.048049031942581255],
        [0.09209552614148596, -0.059410755265659004, 0.2722855716049898],
    ],
    'cond fro': [
        [0.5949877633591838, 0.47765032825873677, -1.533391800369088],
        [0.4223905435551, 0.16665388144451698, 0.8611007866226518],
        [-1.4404545587889293, 1.0339676285249249, -4.337107924501171],
    ],
    'qr': [
        [4.516707580750995, 0.6118480228930505, -1.0565888827576986],
        [-1.3416476862708668, 3.564941480479743, 1.0968862317916694],
        [-1.468320926325577, -0.053974990003687176, 1.952921832450928],
        [-0.9148932098621644, 2.5741076519728368, 1.0596672926325708],
    ],
    'qr mode r': [
        [-0.27007330541725927, 0.1005134590965813, 0.7828805599195799],
        [1.2269518005480569, -0.962533259435527, 0.946533963281067],
        [1.3503445513198638, 0.6446693817280765, 2.679268148139658],
        [-0.2948835187674868, 1.158550748838259, -0.06464988745289268],
    ],
    'qr square': [
        [1.838355736341572, -1.3777609862847853, -2.2452126219863673],
        [-0.8448430992617076, 2.434356922855699, -0.9189201344005069],
        [-0.8914500511332764, 0.20076635047987523, 1.627990133801165],
    ],
    'qr of a stack': [
        [6.0, 1.5000000000000009, -0.7080000000000001],
        [0.432, -7.524, 3.648000000000001],
        [2.7719999999999994, 1.0560000000000003, 11.388000000000002],
        [-1.5000000000000004, 4.716000000000001, 0.20399999999999988],
    ],
    'pinv': [
        [-0.6766577458179073, -0.12280842842062369, 0.3027218259474203],
        [-0.03797383737995089, 0.41173670160694104, -0.24680223144507055],
        [-0.1637276049879393, -0.2487081056888146, -0.5294541270773615],
        [0.4022763264290917, -0.4291135241628099, -0.23451301859149218],
    ],
    'pinv of a wide matrix, squared': [
        [-0.984018772868771, -0.002011535257478151, 0.03496609501592751, 0.6718731281461667],
        [0.038061074727231324, 0.31332329004661924, -0.2921153957795578, -0.4652611999917922],
        [0.5472933414591754, -0.1483787554259992, -0.4966141188451062, -0.47250386561513574],
    ],
    'pinv of an orthogonal matrix': [
        [-1.0000000000000009, -0.5000000000000002, 0.2000000000000001],
        [-0.10000000000000023, 0.7600000000000001, -0.6399999999999999],
        [-0.2999999999999999, 0.68, -2.02],
    ],
    'pinv of rank 2': [
        [0.02801705849049518, 0.12777197450494893, 0.0013297484381724575],
        [-0.1307200945908697, -0.11517842947589287, 0.012739624725907818],
        [0.06286855901648802, -0.05650305225144732, 0.0],
    ],
    'pinv of a stack': [
        [-4.367933269154465, -0.2712953241225089, -0.15222738018598458],
        [0.6512888122232303, 1.0212630610806464, -0.6977784579493329],
        [-1.0873023511497006, -0.058565897682357426, -0.7016053220537188],
        [1.5102628330903762, -0.3790267898501863, -0.33353535813594576],
    ],
    'lstsq': [
        [-1.325639466435769, 0.2657358390035104, -0.09229968748885345],
        [-1.3551960994098826, 0.2718493489211139, 0.04644002537933087],
        [0.3573573260369099, -0.07186935660147173, -0.14978663491913385],
        [-0.8768084560285891, 0.17617172608936665, 0.24343806899133946],
    ],
    'lstsq residuals and s': [
        [0.35232446111998206, 0.028704361113999877, -1.0343695177557524],
        [0.6648277002481883, -2.940281690077379, 0.008560783172191555],
        [-0.7207395394971476, -1.962685126750182, 0.6527827789840775],
        [-1.4829213063435849, 2.4075206966622735, -1.0511044094967268],
    ],
    'lstsq in b': [
        [0.29553356957125315, -0.6757978967970792, 1.1168485277884947],
        [-0.37566432724844817, -0.19448174189440737, 0.3310565770928394],
        [0.3507717998929319, 0.06651727327194032, 0.6483314777922673],
        [0.3318819280932312, 0.6637356922287949, -0.726216244676701],
    ],
}

JAX_SECOND_AND_THIRD = {
    'eigh eigenvectors': ([
        [0.24535337552768105, 0.0, 0.0],
        [0.7813752735631008, -2.1011492726780863, 0.0],
        [2.9959312920015853, -2.8700606488057776, 1.8557958971504065],
    ], -13.520116898785254),
    'eigvalsh': ([
        [29.925688892935582, 0.0, 0.0],
        [17.34292107697698, 8.770607817161341, 0.0],
        [-21.808679986259925, 3.1209428410932296, 4.8293811297594935],
    ], 90.78881156450113),
    'cholesky upper': ([
        [-0.146280745915566, 0.28565437745056, -0.771025075549761],
        [0.0, -0.07633635203620484, 0.601530454045294],
        [0.0, 0.0, -3.187472466265878e-17],
    ], -0.19627520890664596),
    'cholesky gaussian log-likelihood': ([
        [0.0945547315898418, -0.004882437279745411, 0.10337368154531926],
        [0.06608046731401579, -0.16251542360685348, 0.010639782978726704],
        [-0.019470297174046802, -0.23903519054864758, 0.3512175041621029],
    ], 0.7653183401136977),
    'svd U tall': ([
        [3.4657896229149827, 0.7183006153161221, -6.841220863147295],
        [-5.107765487392309, -7.4747574161193935, -12.98813455220814],
        [-5.139717603027359, 10.766396224497996, -0.4482214918591092],
        [2.8128847283112735, -2.2826086959567995, -5.416486995035868],
    ], -272.1014394554477),
    'svd Vh wide': ([
        [5.046785599593446, 10.627317556902238, 4.989184530669861, 3.195921462274857],
        [-6.525185902746518, 12.780981066769499, -8.046759273244875, -5.243828030546899],
        [4.460790293466416, 7.359560451945434, 11.518212007707454, 1.3650329500938545],
    ], -475.3727999519753),
    'svd singular values': ([
        [6.6256474090299555, -2.4750618745067117, -5.558483320723423],
        [0.25457334461992387, 8.344643932707205, -5.264146453311832],
        [-4.27888359690037, 6.152976955426331, 3.112700425538194],
        [-5.334275982853014, -2.548083499276648, 8.332989700887248],
    ], 45.69759181436314),
    'qr': ([
        [7.982260832627687, 1.2728223360352793, -4.669694005454559],
        [-1.0620712243706434, -8.295223453261269, 3.373680117174749],
        [-10.017582742427917, -1.2866081749515732, 9.831792270685156],
        [5.469793841558658, -3.3036633698242106, -0.24459980862314307],
    ], -170.08333741137608),
    'qr mode r': ([
        [4.960301646995872, 1.702027171531848, -5.74375878785898],
        [-6.08438748716415, 0.21753585463781644, 1.4047252704369735],
        [-2.2274109183001443, -0.35463621774128895, -3.6213720498327313],
        [0.8852232432626261, -1.758910978002543, 0.508081595949355],
    ], 35.852396213651225),
    'pinv': ([
        [1.7216908267675444, -1.2782967959140525, -1.165485915780317],
        [-0.8534789476321707, 0.5688295653625643, -0.008085870330008516],
        [-0.497009315461621, 0.3569899567175857, 0.5992487299343624],
        [-1.3671342826945247, 0.5881603738824269, 1.7162368065262275],
    ], -31.50241380077063),
}


@pytest.mark.parametrize("name", CASES)
def test_primal_is_numpys_and_engines_agree(name):
    f, x = CASES[name]
    want = f(x.copy())
    forward_value, _ = dualad.jvp(f, (x.copy(),), (np.ones_like(x),))
    reverse_value, _ = reverse.vjp(f, x.copy())
    if "gaussian" in name or "lstsq" in name:   # inv(a) @ b, pinv(a) @ b: within rounding
        np.testing.assert_allclose([forward_value, reverse_value], want, rtol=1e-14)
    else:
        assert forward_value == want and reverse_value == want
    g = reverse.gradient(f, x.copy())
    others = [dualad.gradient(f, x.copy()), dualad.compile(f, x.copy()).gradient(x.copy())]
    if name in ("cholesky", "cholesky upper"):     # (of x xᵀ + 1 sympy takes minutes)
        others.append(symbolic.gradient(f, x.copy()))
    for other in others:
        np.testing.assert_allclose(other, g, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(dualad.hessian(f, x.copy()), reverse.hessian(f, x.copy()),
                               rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("name", JAX)
def test_gradients_match_jax(name):
    f, x = CASES[name]
    for engine in (dualad.gradient, reverse.gradient):
        np.testing.assert_allclose(engine(f, x.copy()), JAX[name], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", JAX_SECOND_AND_THIRD)
def test_hessians_and_third_derivatives_match_jax(name):
    f, x = CASES[name]
    d = np.cos(np.arange(x.size) * 1.7).reshape(x.shape)   # a direction
    hd, third = JAX_SECOND_AND_THIRD[name]
    for hessian in (dualad.hessian, reverse.hessian):
        np.testing.assert_allclose(np.tensordot(hessian(f, x.copy()), d, axes=x.ndim), hd,
                                   rtol=1e-12, atol=1e-14)
    assert dualad.derivative(lambda t: f(x + t * d), 0.0, order=3) == \
        pytest.approx(third, rel=1e-12)


def test_primitives_are_numpys_outputs_bit_for_bit():
    # each output of a multi-output function is its own primitive, computed by NumPy
    s, t = X + X.T, np.stack([T, T ** 2])
    pairs = [
        (decompositions.eigh_eigenvalues(X, "U"), np.linalg.eigh(X, "U").eigenvalues),
        (decompositions.eigh_eigenvectors(X), np.linalg.eigh(X).eigenvectors),
        (decompositions.eigvalsh_values(s), np.linalg.eigvalsh(s)),
        (decompositions.cholesky_factor(X, upper=True), np.linalg.cholesky(X, upper=True)),
        (decompositions.singular_values(t), np.linalg.svd(t, compute_uv=False)),
        (decompositions.svd_u(t, False), np.linalg.svd(t, False).U),
        (decompositions.svd_s(t, False), np.linalg.svd(t, False).S),
        (decompositions.svd_vh(t, False), np.linalg.svd(t, False).Vh),
        (decompositions.qr_q(t), np.linalg.qr(t).Q),
        (decompositions.qr_r(t), np.linalg.qr(t, "r")),
    ]
    for ours, numpys in pairs:
        assert np.array_equal(ours, numpys)


def test_numpys_triangle_convention_and_jax_along_symmetric_directions():
    # NumPy's eigh reads the lower triangle only: along the upper one nothing moves, and
    # finite differences of NumPy itself agree with us in any direction
    f = lambda a: np.linalg.eigh(a).eigenvalues @ [1.0, 2.0, 4.0]    # noqa: E731
    upper = np.triu(W, 1)
    assert dualad.jvp(f, (X,), (upper,))[1] == 0.0
    h = 1e-6
    for d in (W, W.T):
        fd = (f(X + h * d) - f(X - h * d)) / (2 * h)
        assert dualad.jvp(f, (X,), (d,))[1] == pytest.approx(fd, rel=1e-8)
    # JAX symmetrizes, (A + Aᵀ)/2: at a symmetric A along a symmetric direction the two
    # agree (jax.jvp of jax.numpy's own eigh and cholesky)
    p = X + X.T + 2 * np.eye(3)
    d = np.array([[0.5, -1.0, 0.25], [-1.0, 2.0, 0.75], [0.25, 0.75, -1.5]])

    def eigen(a):
        w, v = np.linalg.eigh(a)
        return np.stack([w[0], w[2], (v[:, 1] @ C) ** 2])
    np.testing.assert_allclose(
        dualad.jvp(eigen, (p,), (d,))[1],
        [-1.265406494478086, -0.15036935852186584, 0.6198790821356933], rtol=1e-13)
    np.testing.assert_allclose(
        reverse.jacobian(lambda a: np.linalg.cholesky(a)[2], p).reshape(3, 9) @ d.ravel(),
        [0.10054174544996222, 0.2100656801143143, -0.38108814780302236], rtol=1e-13)


def test_repeated_eigenvalues_leave_the_values_derivative_and_spoil_the_vectors():
    # F = 1/(wⱼ − wᵢ) is infinite between equal eigenvalues: the vectors' derivatives
    # are inf or nan there (as in JAX), the values' stay finite
    a = np.diag([1.0, 1.0, 2.0])
    values = lambda v: np.linalg.eigh(v)[0] @ [1.0, 2.0, 3.0]       # noqa: E731
    vector = lambda v: (np.linalg.eigh(v)[1][:, 0] @ C) ** 2        # noqa: E731
    for engine in (dualad.gradient, reverse.gradient):
        np.testing.assert_array_equal(engine(values, a), np.diag([1.0, 2.0, 3.0]))
        assert not np.all(np.isfinite(engine(vector, a)))


@pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient, symbolic.gradient])
@pytest.mark.parametrize("f, error, message", [
    (lambda x: np.linalg.eigh(x[:2]), np.linalg.LinAlgError, "square"),
    (lambda x: np.linalg.eigvalsh(x[0]), np.linalg.LinAlgError, "1-dimensional"),
    (lambda x: np.linalg.eigh(x, UPLO="X")[0], ValueError, "UPLO"),
    (lambda x: np.linalg.cholesky(x - 3 * np.eye(3)), np.linalg.LinAlgError,
     "not positive definite"),
    (lambda x: np.linalg.cholesky(x[:, :2]), np.linalg.LinAlgError, "square"),
    (lambda x: np.linalg.svd(x[:2]), TypeError, "full_matrices=False"),
    (lambda x: np.linalg.svd(x, hermitian=True)[1], TypeError, "hermitian"),
    (lambda x: np.linalg.svdvals(x[0]), np.linalg.LinAlgError, "two-dimensional"),
    (lambda x: np.linalg.qr(x, mode="complete")[0], TypeError, "mode='complete'"),
    (lambda x: np.linalg.qr(x[:2])[1], TypeError, "wide"),
    (lambda x: np.linalg.norm(x, 3), ValueError, "Invalid norm order"),
    (lambda x: np.linalg.pinv(x, hermitian=True), TypeError, "hermitian"),
    (lambda x: np.linalg.lstsq(np.stack([x, x]), x[0])[0], np.linalg.LinAlgError, "must be two"),
])
def test_decompositions_refuse_what_they_cannot_do_by_name(engine, f, error, message):
    with pytest.raises(error, match=message):
        engine(lambda x: np.sum(f(x)), X.copy())


@pytest.mark.parametrize("f, name", [
    (lambda x: np.linalg.eigh(x)[0], "np.linalg.eigh"),
    (lambda x: np.linalg.eigvalsh(x), "np.linalg.eigvalsh"),
    (lambda x: np.linalg.svd(x)[1], "np.linalg.svd"),
    (lambda x: np.linalg.norm(x, "nuc"), r"np.linalg.svd \(singular values\)"),
    (lambda x: np.linalg.qr(x).R, "np.linalg.qr"),
    (lambda x: np.linalg.lstsq(x, C)[0], "np.linalg.pinv"),
])
def test_symbolic_refuses_what_sympy_cannot_match_by_name(f, name):
    # no closed form with LAPACK's values and signs (QR: Gram-Schmidt's R has a positive
    # diagonal, LAPACK's need not)
    with pytest.raises(TypeError, match=f"symbolic does not support {name}"):
        symbolic.gradient(lambda x: np.sum(f(x)), X.copy())


@pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient])
@pytest.mark.parametrize("p", [1, -1, np.inf, "fro"])
def test_cond_of_a_singular_member_is_inf_as_numpys_and_the_others_keep_theirs(engine, p):
    # ‖x‖·‖x⁻¹‖ raised inv's LinAlgError where NumPy gives inf
    stack = np.stack([np.array([[1.0, 2.0], [2.0, 4.0]]), np.array([[2.0, 1.0], [0.0, 3.0]])])
    value, _ = dualad.jvp(lambda a: np.linalg.cond(a, p), (stack,), (stack,))
    np.testing.assert_array_equal(value, np.linalg.cond(stack, p))
    assert value[0] == np.inf
    g = engine(lambda a: np.sum(np.linalg.cond(a, p)), stack)
    # the regular member's gradient is its own, alone (and Richardson differences')
    alone = engine(lambda a: np.linalg.cond(a, p), stack[1])
    np.testing.assert_array_equal(g[1], alone)
    np.testing.assert_allclose(alone, dualad.numeric.gradient(
        lambda a: np.linalg.cond(a, p), stack[1], scheme="richardson"), rtol=1e-6)


def test_forward_mode_runs_a_decompositions_rule_once_for_all_directions(monkeypatch):
    # the rules recomputed eigh for each of the n² directions of a gradient (a 50×50
    # eigvalsh gradient took 12 s); they broadcast over the directions' leading axis
    calls = []
    eigh = np.linalg.eigh
    monkeypatch.setattr(np.linalg, "eigh", lambda *a, **k: calls.append(1) or eigh(*a, **k))
    b = np.arange(36.0).reshape(6, 6) / 10 + np.eye(6)
    a = b @ b.T
    g = dualad.gradient(lambda x: np.sum(np.linalg.eigvalsh(x) ** 2), a)
    assert len(calls) <= 3
    np.testing.assert_allclose(g, reverse.gradient(lambda x: np.sum(np.linalg.eigvalsh(x) ** 2),
                                                   a), rtol=1e-12, atol=1e-12)
    # = 2·tril(A) + 2·tril(A, −1): Σ w² = Σ S² entries, S the symmetric matrix of the
    # lower triangle
    np.testing.assert_allclose(g, 2 * np.tril(a) + 2 * np.tril(a, -1), rtol=1e-12)


# -- review23 / probe35 --------------------------------------------------------------------
@pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient])
@pytest.mark.parametrize("f, error, message", [
    # a matrix norm's axis past the array wrapped around (norm over axes (1, 0))
    (lambda x: np.linalg.norm(x[None], 2, axis=(1, 3)), np.exceptions.AxisError, "axis 3"),
    (lambda x: np.linalg.norm(x, "fro", axis=(0, -3)), np.exceptions.AxisError, "axis -3"),
    (lambda x: np.linalg.norm(x, "nuc", axis=(1, 1)), ValueError, "Duplicate axes"),
    (lambda x: np.linalg.norm(x[None], 2), ValueError, "Improper number of dimensions"),
    (lambda x: np.linalg.qr(x, mode="foo"), ValueError, "Unrecognized mode 'foo'"),
])
def test_review23_errors_are_numpys(engine, f, error, message):
    with pytest.raises(error, match=message):
        engine(lambda x: np.sum(f(x)), np.eye(3) + 0.1)


def test_review23_values_numpy_gives():
    # the 2-norm of an empty matrix is 0 (NumPy's initial=0)
    assert dualad.jvp(lambda x: np.linalg.norm(x, 2), (np.zeros((0, 3)),),
                      (np.zeros((0, 3)),))[0] == 0.0
    # an int x in polyfit: floats first, as NumPy (vander(x)·vander(x) overflowed int64)
    x = np.arange(100)
    y = np.sin(x / 10.0)
    g = reverse.gradient(lambda v: np.polyfit(x, v, 12)[0], y)
    np.testing.assert_allclose(g, reverse.gradient(lambda v: np.polyfit(x * 1.0, v, 12)[0], y),
                               rtol=1e-12)
    assert np.all(np.isfinite(g))


def test_symbolic_solves_a_small_gaussian_process_in_moments():
    # inv by LU·X = I: sympy's inv(method="LU") proved det ≠ 0 by simplifying it and
    # ran for minutes on the inverse of a 3×3 Cholesky factor
    d2 = np.array([[0.0, 2.6, 2.26], [2.6, 0.0, 3.05], [2.26, 3.05, 0.0]])
    y = np.array([1.0, -0.5, 0.3])

    def nll(th):
        k = np.exp(-0.5 * d2 / np.exp(th[0]) ** 2) + np.exp(th[1]) * np.eye(3)
        a = np.linalg.solve(np.linalg.cholesky(k), y)
        return a @ a
    th = np.array([0.1, -1.0])
    np.testing.assert_allclose(symbolic.gradient(nll, th), reverse.gradient(nll, th),
                               rtol=1e-12)
