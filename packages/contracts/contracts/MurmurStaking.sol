// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @dev The two ERC-20 calls the registry makes.
interface IStakeToken {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// @title Murmur staking registry
/// @notice Murmur's service-node registry on an EVM chain, in the spirit of Session's
/// ServiceNodeRewards (read for its rules, not copied): a node is registered with its Ed25519 and
/// X25519 keys, its public address and ports, the operator's fee and at least 25% of the staking
/// requirement; up to 10 contributors fill the rest exactly (no overfunding); the node is active
/// once fully staked. Any contributor asks to exit; after `exitDelay` seconds anyone completes
/// the exit and every stake returns. A quorum of at least two thirds of the active nodes removes a
/// node that failed its uptime (one transaction of secp256k1 "attestation key" signatures,
/// checked with ecrecover); its stakes stay locked for `deregistrationLock` seconds.
/// Every delay counts `block.timestamp` (on Arbitrum `block.number` is the parent chain's).
/// Every change emits an event; the registry followers derive the node list from them (a
/// registration emits `NodeRegistered` then `NodeAddressUpdated` with the node's address).
/// @dev Checks, then effects, then token transfers; every state-changing entry point is also
/// guarded by a reentrancy lock.
contract MurmurStaking {
    // -----------------------------------------------------------------------------------------
    // Constants and configuration

    /// @notice Fees are in basis points: 10,000 = 100%.
    uint256 public constant BASIS_POINTS = 10_000;
    /// @notice Most contributors of one node, the operator included.
    uint256 public constant MAX_CONTRIBUTORS = 10;
    /// @notice Most signatures one quorum decision may carry (bounds the transaction's gas).
    uint256 public constant MAX_QUORUM_SIGNERS = 200;
    /// @notice Shortest time between two exit requests for one node (a re-sent request re-emits).
    uint256 public constant EXIT_REQUEST_RESEND_DELAY = 1 hours;
    /// @notice Domain tag of a deregistration decision (bound to chain id and this contract).
    bytes32 public constant DEREGISTER_TAG = keccak256("murmur-deregister-v1");
    /// @notice Reason code of a deregistration for failed uptime (the only one so far).
    uint8 public constant REASON_FAILED_UPTIME = 1;

    /// @dev secp256k1 order / 2: signatures with a larger `s` are refused (no malleated copies).
    uint256 private constant HALF_ORDER =
        0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// @notice The token that is staked.
    IStakeToken public immutable token;
    /// @notice Seconds from an exit request until the exit can be completed.
    uint64 public immutable exitDelay;
    /// @notice Seconds a deregistered node's stakes stay locked.
    uint64 public immutable deregistrationLock;
    /// @notice Seconds a node must have been active before the quorum can remove it.
    uint64 public immutable minimumNodeAge;
    /// @notice Seconds a quorum decision's timestamp stays valid (either side of the block's).
    uint64 public immutable signatureExpiry;

    /// @notice May change the staking requirement and hand this right on.
    address public owner;
    /// @notice The stake that activates a node registered from now on (existing nodes keep theirs).
    uint256 public stakingRequirement;
    /// @notice Nodes that are fully staked and have neither exited nor been removed.
    uint256 public activeNodeCount;
    /// @notice The id the next registration gets (ids start at 1 and are never reused).
    uint64 public nextNodeId = 1;

    enum Status {
        None,
        AwaitingContributions,
        Active,
        Deregistered
    }

    struct NodeParams {
        bytes32 ed25519;
        bytes32 x25519;
        /// Address of the node's secp256k1 attestation key (signs quorum decisions).
        address attestation;
        /// Ed25519 signature binding the attestation key to the node (checked by followers).
        bytes ed25519Signature;
        uint16 feeBasisPoints;
        uint32 ipv4;
        uint16 storagePort;
        uint16 relayPort;
    }

    struct Node {
        bytes32 ed25519;
        bytes32 x25519;
        address operator;
        address attestation;
        uint16 feeBasisPoints;
        uint32 ipv4;
        uint16 storagePort;
        uint16 relayPort;
        Status status;
        uint64 registeredAt;
        uint64 activatedAt;
        uint64 exitRequestedAt;
        uint64 lastExitRequestAt;
        uint64 deregisteredAt;
        uint256 requirement;
        uint256 stake;
    }

    struct Contribution {
        address staker;
        uint256 amount;
    }

    mapping(uint64 id => Node) private _nodes;
    mapping(uint64 id => Contribution[]) private _contributions;
    /// @notice The registered (awaiting or active) node with this Ed25519 key, or 0.
    mapping(bytes32 ed25519 => uint64 id) public nodeIdOfEd25519;
    /// @notice The registered node with this attestation key, or 0.
    mapping(address attestation => uint64 id) public nodeIdOfAttestation;
    uint64[] private _listed;
    mapping(uint64 id => uint256 indexPlusOne) private _listedIndex;
    uint256 private _lock = 1;

    // -----------------------------------------------------------------------------------------
    // Events: one for every change

    event NodeRegistered(
        uint64 indexed id,
        bytes32 indexed ed25519,
        address indexed operator,
        bytes32 x25519,
        address attestation,
        bytes ed25519Signature,
        uint16 feeBasisPoints,
        uint256 requirement,
        uint256 amount
    );
    event Contributed(uint64 indexed id, address indexed staker, uint256 amount, uint256 stake);
    event ContributionWithdrawn(uint64 indexed id, address indexed staker, uint256 amount);
    event RegistrationCancelled(uint64 indexed id, uint256 refunded);
    event NodeActivated(uint64 indexed id);
    event NodeAddressUpdated(uint64 indexed id, uint32 ipv4, uint16 storagePort, uint16 relayPort);
    event ExitRequested(uint64 indexed id, address indexed staker, uint64 exitableAt);
    event NodeExited(uint64 indexed id, address indexed caller, uint256 returned);
    event NodeDeregistered(
        uint64 indexed id, uint8 reason, uint64 decisionTimestamp, uint256 signers, uint64 releasableAt
    );
    event DeregisteredStakeReleased(uint64 indexed id, uint256 returned);
    event StakingRequirementUpdated(uint256 previous, uint256 requirement);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    // -----------------------------------------------------------------------------------------
    // Errors

    error NotOwner(address caller);
    error Reentrancy();
    error ZeroAddress();
    error ZeroAmount();
    error NullKey();
    error InvalidSignatureLength(uint256 length);
    error FeeTooHigh(uint256 feeBasisPoints);
    error InvalidPort();
    error Ed25519KeyAlreadyRegistered(uint64 id);
    error AttestationKeyAlreadyRegistered(uint64 id);
    error InsufficientOperatorContribution(uint256 minimum, uint256 provided);
    error ExceedsRequirement(uint256 room, uint256 provided);
    error BelowMinimumContribution(uint256 minimum, uint256 provided);
    error UnknownNode(uint64 id);
    error NodeNotAwaitingContributions(uint64 id, Status status);
    error NodeNotActive(uint64 id, Status status);
    error NotContributor(uint64 id, address caller);
    error NotOperator(uint64 id, address caller);
    error ExitRequestTooSoon(uint64 id, uint256 allowedAt, uint256 now_);
    error ExitNotRequested(uint64 id);
    error ExitTooEarly(uint64 id, uint256 exitableAt, uint256 now_);
    error NodeTooYoung(uint64 id, uint256 removableAt, uint256 now_);
    error SignatureExpired(uint256 decisionTimestamp, uint256 now_);
    error SignatureCountMismatch(uint256 signers, uint256 signatures);
    error TooManySigners(uint256 signers, uint256 maximum);
    error InsufficientSigners(uint256 signers, uint256 required);
    error SignersNotIncreasing(uint64 id);
    error SignerNotActive(uint64 id);
    error SignerIsTarget(uint64 id);
    error InvalidSignature(uint64 signer);
    error InvalidReason(uint8 reason);
    error NotDeregistered(uint64 id, Status status);
    error StakeStillLocked(uint64 id, uint256 releasableAt, uint256 now_);
    error TokenTransferFailed();

    modifier nonReentrant() {
        if (_lock != 1) revert Reentrancy();
        _lock = 2;
        _;
        _lock = 1;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    constructor(
        IStakeToken token_,
        uint256 stakingRequirement_,
        uint64 exitDelay_,
        uint64 deregistrationLock_,
        uint64 minimumNodeAge_,
        uint64 signatureExpiry_
    ) {
        if (address(token_) == address(0)) revert ZeroAddress();
        if (stakingRequirement_ == 0) revert ZeroAmount();
        token = token_;
        exitDelay = exitDelay_;
        deregistrationLock = deregistrationLock_;
        minimumNodeAge = minimumNodeAge_;
        signatureExpiry = signatureExpiry_;
        owner = msg.sender;
        stakingRequirement = stakingRequirement_;
        emit OwnershipTransferred(address(0), msg.sender);
        emit StakingRequirementUpdated(0, stakingRequirement_);
    }

    // -----------------------------------------------------------------------------------------
    // Owner

    /// @notice Sets the requirement for registrations from now on; registered nodes keep theirs.
    function setStakingRequirement(uint256 requirement) external onlyOwner {
        if (requirement == 0) revert ZeroAmount();
        uint256 previous = stakingRequirement;
        stakingRequirement = requirement;
        emit StakingRequirementUpdated(previous, requirement);
    }

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    // -----------------------------------------------------------------------------------------
    // Registration and contributions

    /// @notice The smallest operator stake at the current requirement: 25%, rounded up.
    function minimumOperatorStake() public view returns (uint256) {
        return (stakingRequirement + 3) / 4;
    }

    /// @notice Registers a node with the caller as operator, staking `amount` (approve it first).
    function registerNode(NodeParams calldata p, uint256 amount)
        external
        nonReentrant
        returns (uint64 id)
    {
        if (p.ed25519 == bytes32(0) || p.x25519 == bytes32(0)) revert NullKey();
        if (p.attestation == address(0)) revert ZeroAddress();
        if (p.ed25519Signature.length != 64) {
            revert InvalidSignatureLength(p.ed25519Signature.length);
        }
        if (p.feeBasisPoints > BASIS_POINTS) revert FeeTooHigh(p.feeBasisPoints);
        if (p.storagePort == 0 || p.relayPort == 0) revert InvalidPort();
        uint64 existing = nodeIdOfEd25519[p.ed25519];
        if (existing != 0) revert Ed25519KeyAlreadyRegistered(existing);
        existing = nodeIdOfAttestation[p.attestation];
        if (existing != 0) revert AttestationKeyAlreadyRegistered(existing);
        uint256 requirement = stakingRequirement;
        uint256 minimum = (requirement + 3) / 4;
        if (amount < minimum) revert InsufficientOperatorContribution(minimum, amount);
        if (amount > requirement) revert ExceedsRequirement(requirement, amount);

        id = nextNodeId++;
        Node storage node = _nodes[id];
        node.ed25519 = p.ed25519;
        node.x25519 = p.x25519;
        node.operator = msg.sender;
        node.attestation = p.attestation;
        node.feeBasisPoints = p.feeBasisPoints;
        node.ipv4 = p.ipv4;
        node.storagePort = p.storagePort;
        node.relayPort = p.relayPort;
        node.status = Status.AwaitingContributions;
        node.registeredAt = uint64(block.timestamp);
        node.requirement = requirement;
        node.stake = amount;
        _contributions[id].push(Contribution(msg.sender, amount));
        nodeIdOfEd25519[p.ed25519] = id;
        nodeIdOfAttestation[p.attestation] = id;
        _list(id);
        emit NodeRegistered(
            id,
            p.ed25519,
            msg.sender,
            p.x25519,
            p.attestation,
            p.ed25519Signature,
            p.feeBasisPoints,
            requirement,
            amount
        );
        emit NodeAddressUpdated(id, p.ipv4, p.storagePort, p.relayPort);
        if (amount == requirement) _activate(id, node);
        _pull(msg.sender, amount);
    }

    /// @notice The smallest contribution a new contributor can make now (0 when none fits).
    function minimumContribution(uint64 id) external view returns (uint256) {
        Node storage node = _nodes[id];
        if (node.status != Status.AwaitingContributions) return 0;
        uint256 room = node.requirement - node.stake;
        uint256 openSlots = MAX_CONTRIBUTORS - _contributions[id].length;
        return openSlots == 0 ? 0 : _ceilDiv(room, openSlots);
    }

    /// @notice Adds `amount` to a node awaiting contributions (approve it first). A new
    /// contributor must put in at least the open room divided by the open slots, rounded up; a
    /// contributor already in may top up by as much. No overfunding.
    function contribute(uint64 id, uint256 amount) external nonReentrant {
        Node storage node = _nodes[id];
        if (node.status != Status.AwaitingContributions) {
            if (node.status == Status.None) revert UnknownNode(id);
            revert NodeNotAwaitingContributions(id, node.status);
        }
        if (amount == 0) revert ZeroAmount();
        Contribution[] storage list = _contributions[id];
        uint256 room = node.requirement - node.stake;
        // A node awaiting contributions always has an open slot: with one slot left the
        // minimum is the whole room, so the tenth contributor fills the stake.
        uint256 openSlots = MAX_CONTRIBUTORS - list.length;
        (bool found, uint256 index) = _find(list, msg.sender);
        uint256 minimum = _ceilDiv(room, openSlots);
        if (amount < minimum) revert BelowMinimumContribution(minimum, amount);
        if (amount > room) revert ExceedsRequirement(room, amount);

        if (found) list[index].amount += amount;
        else list.push(Contribution(msg.sender, amount));
        node.stake += amount;
        emit Contributed(id, msg.sender, amount, node.stake);
        if (node.stake == node.requirement) _activate(id, node);
        _pull(msg.sender, amount);
    }

    /// @notice Before activation: the operator cancels the registration (everyone is refunded),
    /// another contributor takes its own contribution back.
    function withdrawContribution(uint64 id) external nonReentrant {
        Node storage node = _nodes[id];
        if (node.status != Status.AwaitingContributions) {
            if (node.status == Status.None) revert UnknownNode(id);
            revert NodeNotAwaitingContributions(id, node.status);
        }
        Contribution[] storage list = _contributions[id];
        (bool found, uint256 index) = _find(list, msg.sender);
        if (!found) revert NotContributor(id, msg.sender);
        if (msg.sender == node.operator) {
            uint256 refunded = node.stake;
            Contribution[] memory refunds = list;
            _delist(id, node);
            emit RegistrationCancelled(id, refunded);
            for (uint256 i = 0; i < refunds.length; ++i) _push(refunds[i].staker, refunds[i].amount);
            return;
        }
        uint256 amount = list[index].amount;
        for (uint256 i = index; i + 1 < list.length; ++i) list[i] = list[i + 1];
        list.pop();
        node.stake -= amount;
        emit ContributionWithdrawn(id, msg.sender, amount);
        _push(msg.sender, amount);
    }

    /// @notice The operator moves its node to a new address or ports.
    function updateAddress(uint64 id, uint32 ipv4, uint16 storagePort, uint16 relayPort)
        external
        nonReentrant
    {
        Node storage node = _nodes[id];
        if (node.status != Status.AwaitingContributions && node.status != Status.Active) {
            revert UnknownNode(id);
        }
        if (msg.sender != node.operator) revert NotOperator(id, msg.sender);
        if (storagePort == 0 || relayPort == 0) revert InvalidPort();
        node.ipv4 = ipv4;
        node.storagePort = storagePort;
        node.relayPort = relayPort;
        emit NodeAddressUpdated(id, ipv4, storagePort, relayPort);
    }

    // -----------------------------------------------------------------------------------------
    // Exit

    /// @notice A contributor of an active node asks for the stakes back. The node keeps serving
    /// until the exit is completed, `exitDelay` seconds after the first request at the earliest.
    /// The request can be re-sent (re-emitting the event) an hour after the previous one.
    function requestExit(uint64 id) external nonReentrant {
        Node storage node = _nodes[id];
        if (node.status != Status.Active) {
            if (node.status == Status.None) revert UnknownNode(id);
            revert NodeNotActive(id, node.status);
        }
        (bool found,) = _find(_contributions[id], msg.sender);
        if (!found) revert NotContributor(id, msg.sender);
        if (node.exitRequestedAt != 0) {
            uint256 allowedAt = uint256(node.lastExitRequestAt) + EXIT_REQUEST_RESEND_DELAY;
            if (block.timestamp < allowedAt) {
                revert ExitRequestTooSoon(id, allowedAt, block.timestamp);
            }
        } else {
            node.exitRequestedAt = uint64(block.timestamp);
        }
        node.lastExitRequestAt = uint64(block.timestamp);
        emit ExitRequested(id, msg.sender, node.exitRequestedAt + exitDelay);
    }

    /// @notice Completes an exit whose delay has passed (anyone may call): the node leaves and
    /// every contributor gets its stake back.
    function exit(uint64 id) external nonReentrant {
        Node storage node = _nodes[id];
        if (node.status != Status.Active) {
            if (node.status == Status.None) revert UnknownNode(id);
            revert NodeNotActive(id, node.status);
        }
        if (node.exitRequestedAt == 0) revert ExitNotRequested(id);
        uint256 exitableAt = uint256(node.exitRequestedAt) + exitDelay;
        if (block.timestamp < exitableAt) revert ExitTooEarly(id, exitableAt, block.timestamp);

        uint256 returned = node.stake;
        Contribution[] memory refunds = _contributions[id];
        activeNodeCount -= 1;
        _delist(id, node);
        emit NodeExited(id, msg.sender, returned);
        for (uint256 i = 0; i < refunds.length; ++i) _push(refunds[i].staker, refunds[i].amount);
    }

    // -----------------------------------------------------------------------------------------
    // Removal by the network's quorum

    /// @notice The digest the quorum signs to remove node `id` (raw, no EIP-191 prefix).
    function deregistrationDigest(uint64 id, uint8 reason, uint64 decisionTimestamp)
        public
        view
        returns (bytes32)
    {
        return keccak256(
            abi.encode(
                DEREGISTER_TAG,
                block.chainid,
                address(this),
                id,
                _nodes[id].ed25519,
                reason,
                decisionTimestamp
            )
        );
    }

    /// @notice Signatures needed for a quorum decision now: two thirds of the active nodes,
    /// rounded up.
    function quorumSize() public view returns (uint256) {
        return (activeNodeCount * 2 + 2) / 3;
    }

    /// @notice Removes an active node that failed its uptime, on the signatures of at least two
    /// thirds of the active nodes (their attestation keys, signer ids strictly increasing, the
    /// node itself excluded). Anyone may submit. The stakes stay locked `deregistrationLock`.
    function deregister(
        uint64 id,
        uint8 reason,
        uint64 decisionTimestamp,
        uint64[] calldata signerIds,
        bytes[] calldata signatures
    ) external nonReentrant {
        Node storage node = _nodes[id];
        if (node.status != Status.Active) {
            if (node.status == Status.None) revert UnknownNode(id);
            revert NodeNotActive(id, node.status);
        }
        if (reason != REASON_FAILED_UPTIME) revert InvalidReason(reason);
        uint256 removableAt = uint256(node.activatedAt) + minimumNodeAge;
        if (block.timestamp < removableAt) revert NodeTooYoung(id, removableAt, block.timestamp);
        uint256 age = block.timestamp > decisionTimestamp
            ? block.timestamp - decisionTimestamp
            : decisionTimestamp - block.timestamp;
        if (age > signatureExpiry) revert SignatureExpired(decisionTimestamp, block.timestamp);
        _verifyQuorum(id, deregistrationDigest(id, reason, decisionTimestamp), signerIds, signatures);

        activeNodeCount -= 1;
        node.status = Status.Deregistered;
        node.deregisteredAt = uint64(block.timestamp);
        delete nodeIdOfEd25519[node.ed25519];
        delete nodeIdOfAttestation[node.attestation];
        _unlist(id);
        emit NodeDeregistered(
            id,
            reason,
            decisionTimestamp,
            signerIds.length,
            uint64(block.timestamp) + deregistrationLock
        );
    }

    /// @notice Returns a deregistered node's stakes once its lock has passed (anyone may call).
    function releaseDeregisteredStake(uint64 id) external nonReentrant {
        Node storage node = _nodes[id];
        if (node.status != Status.Deregistered) revert NotDeregistered(id, node.status);
        uint256 releasableAt = uint256(node.deregisteredAt) + deregistrationLock;
        if (block.timestamp < releasableAt) {
            revert StakeStillLocked(id, releasableAt, block.timestamp);
        }
        uint256 returned = node.stake;
        Contribution[] memory refunds = _contributions[id];
        delete _contributions[id];
        delete _nodes[id];
        emit DeregisteredStakeReleased(id, returned);
        for (uint256 i = 0; i < refunds.length; ++i) _push(refunds[i].staker, refunds[i].amount);
    }

    /// @dev The one place quorum signatures are checked. Past about a hundred nodes the upgrade
    /// is an aggregate BLS12-381 signature through the EIP-2537 precompiles (see STAKING.md).
    function _verifyQuorum(
        uint64 target,
        bytes32 digest,
        uint64[] calldata signerIds,
        bytes[] calldata signatures
    ) internal view {
        uint256 count = signerIds.length;
        if (count != signatures.length) revert SignatureCountMismatch(count, signatures.length);
        if (count > MAX_QUORUM_SIGNERS) revert TooManySigners(count, MAX_QUORUM_SIGNERS);
        uint256 required = quorumSize();
        if (count < required) revert InsufficientSigners(count, required);
        uint64 previous = 0;
        for (uint256 i = 0; i < count; ++i) {
            uint64 signer = signerIds[i];
            if (signer <= previous) revert SignersNotIncreasing(signer);
            previous = signer;
            if (signer == target) revert SignerIsTarget(signer);
            Node storage node = _nodes[signer];
            if (node.status != Status.Active) revert SignerNotActive(signer);
            if (_recover(digest, signatures[i]) != node.attestation) revert InvalidSignature(signer);
        }
    }

    function _recover(bytes32 digest, bytes calldata signature) private pure returns (address) {
        if (signature.length != 65) return address(0);
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (v < 27) v += 27;
        if (uint256(s) > HALF_ORDER || (v != 27 && v != 28)) return address(0);
        return ecrecover(digest, v, r, s);
    }

    // -----------------------------------------------------------------------------------------
    // Views

    function getNode(uint64 id) external view returns (Node memory) {
        return _nodes[id];
    }

    function getContributions(uint64 id) external view returns (Contribution[] memory) {
        return _contributions[id];
    }

    /// @notice Every node awaiting contributions or active, in no particular order (followers
    /// reconcile their view against it).
    function listedNodeIds() external view returns (uint64[] memory) {
        return _listed;
    }

    // -----------------------------------------------------------------------------------------
    // Internals

    function _activate(uint64 id, Node storage node) private {
        node.status = Status.Active;
        node.activatedAt = uint64(block.timestamp);
        activeNodeCount += 1;
        emit NodeActivated(id);
    }

    /// @dev Forgets a node that leaves without a lock (cancelled or exited).
    function _delist(uint64 id, Node storage node) private {
        delete nodeIdOfEd25519[node.ed25519];
        delete nodeIdOfAttestation[node.attestation];
        delete _contributions[id];
        delete _nodes[id];
        _unlist(id);
    }

    function _list(uint64 id) private {
        _listed.push(id);
        _listedIndex[id] = _listed.length;
    }

    function _unlist(uint64 id) private {
        uint256 index = _listedIndex[id] - 1;
        uint256 last = _listed.length - 1;
        if (index != last) {
            uint64 moved = _listed[last];
            _listed[index] = moved;
            _listedIndex[moved] = index + 1;
        }
        _listed.pop();
        delete _listedIndex[id];
    }

    function _find(Contribution[] storage list, address staker)
        private
        view
        returns (bool, uint256)
    {
        for (uint256 i = 0; i < list.length; ++i) {
            if (list[i].staker == staker) return (true, i);
        }
        return (false, 0);
    }

    function _pull(address from, uint256 amount) private {
        if (!token.transferFrom(from, address(this), amount)) revert TokenTransferFailed();
    }

    function _push(address to, uint256 amount) private {
        if (!token.transfer(to, amount)) revert TokenTransferFailed();
    }

    function _ceilDiv(uint256 a, uint256 b) private pure returns (uint256) {
        return a == 0 ? 0 : (a - 1) / b + 1;
    }
}
