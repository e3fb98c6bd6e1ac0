// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";
import {IStorageMarket} from "./interfaces/IStorageMarket.sol";
import {CellProofs} from "./libraries/CellProofs.sol";
import {ProofLogs} from "./libraries/ProofLogs.sol";
import {Sampling} from "./libraries/Sampling.sol";
import {Period, Periods} from "./types/Period.sol";
import {RequestId, RequestIds} from "./types/RequestId.sol";
import {SlotId} from "./types/SlotId.sol";

/// @title StorageMarket
/// @notice SLA escrow for erasure-coded storage: requests of n slots, filled by staked
/// providers, proven by sampled cells each period, slashed when proofs go missing, and
/// repaired when a slot is freed. After Codex's marketplace.
///
/// Request states (`RequestState`); Cancelled and Finished follow from time alone and are
/// written at the first payout after them:
///
///          last fillSlot              endsAt passes
///     New --------------> Started ----------------> Finished
///      |                     |
///      | expiry passes       | more than n - k slots free at once
///      v                     v
///   Cancelled              Failed
///
/// Slot states (`SlotState`):
///
///           fillSlot            request ended, host collects
///     Free ----------> Filled ------------------------------> Collected
///                       |  ^
///   maxMissedProofs     |  | fillSlot: a repair, by any eligible provider,
///   marks, or freeSlot  v  | with less collateral
///                      Repair
///
/// Money. The client escrows the most the request can owe: every slot paid from the
/// request's creation to its end, `n * slotSize * price * duration`, sent exactly. A host is
/// paid from its fill to the end (or to the failure), so the sum over a slot's hosts never
/// exceeds the slot's share. `reservedPayment` tracks what the current hosts would earn by
/// the end, so every payout is O(1):
/// - Finished: each host `rate * (endsAt - filledAt)`; the client `escrow - reserved + pool`.
/// - Failed: each host in place `rate * (failedAt - filledAt)`; the client the rest.
/// - Cancelled: hosts get their collateral back and no payment; the client everything.
/// Slashed collateral arrives from the registry: `validatorRewardPercentage` of each slash
/// goes to the marker, the rest (and a freed host's remaining collateral) to the request's
/// client pool.
///
/// Proofs. Period p is blocks [p * periodBlocks, (p + 1) * periodBlocks); its seed is the
/// hash of its first block, so it is unknown until the period has begun and readable from
/// its second block. A proof submission records the seed. A slot owes a proof in period p
/// when the request is running, p is after both the request's start and the host's fill,
/// and `keccak256(abi.encode(seed, slotId)) % proofProbability == 0`. The fill's own proof
/// uses the fill period's seed and counts as that period's proof.
///
/// Decisions, with the measurements behind them in docs/contracts.md:
/// - Escrow is the exact worst case, `n * slotSize * price * duration`, and `endsAt` is
///   fixed at the request: every host is paid from its fill, which is after the request, so
///   no schedule of fills and repairs can owe more. Any other amount is refused, so the
///   market never holds change it must track.
/// - cellSize 256 B by default: one more 8-sample proof of a 1 GiB slot measured 180k gas
///   at 256 B, 209k at 512 B, 271k at 1 KiB and 400k at 2 KiB (calldata dominates).
/// - The fill's proof is for the current period, so a fill is a proof like any other and
///   the period it lands in needs no second one.
/// - A designated slot stores `keccak256(abi.encode(root, provider))` instead of its root,
///   so designation costs no storage; the provider reveals the root when it fills. A freed
///   slot is open to any provider for repair, or a vanished designee could never be replaced.
/// - A slot id is its request id with the index in the low 16 bits: no storage maps slots
///   back to requests.
/// - Misses near the end: marking needs a running request, so a proof due in the last
///   `markingWindow + periodBlocks` blocks before `endsAt` goes unenforced (as in Codex).
/// - Total capacity is not tracked on-chain: only the provider fills its own slots, and
///   its node knows its disk. The offer's other terms are checked at each fill.
contract StorageMarket is IStorageMarket, ReentrancyGuard {
    using ProofLogs for ProofLogs.ProofLog;
    using SafeCast for uint256;

    /// @dev Storage per request: four words. The first three are written once (and the
    /// state when it changes); the fourth holds everything fills, frees and slashes update,
    /// so each of them rewrites one word of the request.
    struct RequestRecord {
        address client;
        RequestState state; // as last written; see `_stateOf` for the current one
        uint8 slots; // n
        uint8 dataSlots; // k
        bool withdrawn; // the client withdrew
        uint16 proofProbability;
        uint40 failedAt; // unix seconds
        uint64 slotSize; // bytes
        uint40 expiry; // unix seconds
        uint40 endsAt; // unix seconds
        uint40 duration; // seconds
        Period startPeriod;
        uint128 pricePerBytePerSecond; // wei
        uint128 collateralPerByte; // wei
        uint120 reservedPayment; // wei owed to current hosts up to endsAt (2^120 wei > 10^18 ETH)
        uint120 clientPool; // wei of slashed collateral for the client
        uint8 filledSlots; // slots with a host
    }

    /// @dev Storage per slot: one word, plus its root and its proof log (which also counts
    /// the host's misses, so that marking a miss writes one word of the slot).
    struct SlotRecord {
        address host;
        SlotState state;
        bool repaired;
        uint40 filledAt; // unix seconds
    }

    /// @dev Blocks are 256 KiB (data.md); slots are whole blocks and cells divide a block.
    uint256 private constant _BLOCK_SIZE = 262_144;
    uint256 private constant _PERCENT = 100;

    IProviderRegistry private immutable _registry;
    uint64 private immutable _periodBlocks;
    uint64 private immutable _markingWindow;
    uint8 private immutable _proofSamples;
    uint32 private immutable _cellSize;
    uint8 private immutable _slashPercentage;
    uint8 private immutable _validatorRewardPercentage;
    uint8 private immutable _maxMissedProofs;
    uint8 private immutable _repairRewardPercentage;
    uint64 private immutable _maxDuration;
    uint8 private immutable _maxSlots;
    uint64 private immutable _minSlotSize;
    uint64 private immutable _maxSlotSize;

    mapping(RequestId requestId => RequestRecord) private _requests;
    mapping(SlotId slotId => SlotRecord) private _slots;
    /// @dev The slot's root; for a designated slot not yet filled, keccak(root, provider).
    mapping(SlotId slotId => bytes32) private _slotRoots;
    mapping(SlotId slotId => ProofLogs.ProofLog) private _proofLogs;
    mapping(Period period => bytes32) private _seeds;

    /// @param providerRegistry The registry; it must grant this contract MARKET_ROLE.
    /// @param marketConfig The fixed parameters; see `MarketConfig` for units.
    constructor(IProviderRegistry providerRegistry, MarketConfig memory marketConfig) {
        _checkConfig(marketConfig);
        _registry = providerRegistry;
        _periodBlocks = marketConfig.periodBlocks;
        _markingWindow = marketConfig.markingWindow;
        _proofSamples = marketConfig.proofSamples;
        _cellSize = marketConfig.cellSize;
        _slashPercentage = marketConfig.slashPercentage;
        _validatorRewardPercentage = marketConfig.validatorRewardPercentage;
        _maxMissedProofs = marketConfig.maxMissedProofs;
        _repairRewardPercentage = marketConfig.repairRewardPercentage;
        _maxDuration = marketConfig.maxDuration;
        _maxSlots = marketConfig.maxSlots;
        _minSlotSize = marketConfig.minSlotSize;
        _maxSlotSize = marketConfig.maxSlotSize;
    }

    /// @notice Accepts slashed collateral from the registry, and nothing else, so that the
    /// balance stays exactly what the market owes.
    receive() external payable {
        if (msg.sender != address(_registry)) revert StorageMarketUnexpectedPayment(msg.sender);
    }

    /// @inheritdoc IStorageMarket
    function requestStorage(Request calldata request) external payable returns (RequestId requestId) {
        uint256 slots = request.slotRoots.length;
        _checkRequest(request, slots);
        uint256 escrow = requiredEscrow(slots, request.slotSize, request.pricePerBytePerSecond, request.duration);
        if (msg.value != escrow) revert StorageMarketWrongEscrow(escrow, msg.value);
        requestId = RequestIds.derive(msg.sender, request.nonce);
        RequestRecord storage record = _requests[requestId];
        if (record.client != address(0)) revert StorageMarketRequestExists(requestId);

        // Bounds checked above: slots <= maxSlots < 2^8, the times fit 40 bits.
        uint40 endsAt = uint40(block.timestamp + request.duration);
        record.client = msg.sender;
        record.state = RequestState.New;
        record.slots = uint8(slots);
        record.dataSlots = request.dataSlots;
        record.proofProbability = request.proofProbability;
        record.slotSize = request.slotSize;
        record.expiry = uint40(request.expiry);
        record.endsAt = endsAt;
        record.duration = uint40(request.duration);
        record.pricePerBytePerSecond = request.pricePerBytePerSecond;
        record.collateralPerByte = request.collateralPerByte;
        bool designated = request.providers.length != 0;
        for (uint256 i = 0; i < slots; ++i) {
            bytes32 root = request.slotRoots[i];
            if (designated && request.providers[i] != address(0)) {
                root = _designation(root, request.providers[i]);
            }
            _slotRoots[requestId.slot(i)] = root;
        }
        emit StorageRequested(requestId, msg.sender, request, endsAt, escrow);
    }

    /// @inheritdoc IStorageMarket
    function fillSlot(SlotId slotId, bytes32 slotRoot, Proof calldata proof) external {
        RequestId requestId = slotId.requestId();
        RequestRecord storage request = _requests[requestId];
        RequestState state = _stateOf(request);
        if (state != RequestState.New && state != RequestState.Started) {
            if (state == RequestState.None) revert StorageMarketUnknownRequest(requestId);
            revert StorageMarketRequestNotActive(requestId, state);
        }
        if (slotId.index() >= request.slots) revert StorageMarketUnknownSlot(slotId);
        SlotRecord storage slot = _slots[slotId];
        // A slot is Free only while the request is New and Repair only while it runs.
        bool repair = slot.state == SlotState.Repair;
        if (slot.state != SlotState.Free && !repair) revert StorageMarketSlotNotFree(slotId);
        _openSlot(slotId, slotRoot);
        Period period = _currentPeriodOf(proof);
        _verifyProof(slotId, slotRoot, request, proof, period);
        uint256 collateral = _collateral(request, repair);
        _registry.lockCollateral(msg.sender, collateral);
        _checkOffer(msg.sender, request);

        slot.host = msg.sender;
        slot.state = SlotState.Filled;
        slot.repaired = repair;
        slot.filledAt = uint40(block.timestamp);
        _proofLogs[slotId].start(period);
        request.reservedPayment += (_rate(request) * (request.endsAt - block.timestamp)).toUint120();
        uint8 filledSlots = request.filledSlots + 1;
        request.filledSlots = filledSlots;
        emit SlotFilled(slotId, msg.sender, collateral, repair);
        if (state == RequestState.New && filledSlots == request.slots) {
            request.state = RequestState.Started;
            request.startPeriod = period;
            emit RequestStarted(requestId, period);
        }
    }

    /// @inheritdoc IStorageMarket
    function submitProofs(SlotProof[] calldata proofs) external {
        for (uint256 i = 0; i < proofs.length; ++i) {
            _submitProof(proofs[i].slotId, proofs[i].proof);
        }
    }

    /// @inheritdoc IStorageMarket
    function markProofAsMissing(SlotId slotId, Period period) external {
        RequestId requestId = slotId.requestId();
        RequestRecord storage request = _requests[requestId];
        RequestState state = _stateOf(request);
        if (state != RequestState.Started) revert StorageMarketRequestNotStarted(requestId, state);
        SlotRecord storage slot = _slots[slotId];
        if (slot.state != SlotState.Filled) revert StorageMarketSlotNotFilled(slotId);
        uint256 endBlock = period.endBlock(_periodBlocks);
        if (block.number < endBlock) revert StorageMarketPeriodNotEnded(period);
        if (block.number >= endBlock + _markingWindow) revert StorageMarketMarkingWindowClosed(period);
        ProofLogs.ProofLog storage log = _proofLogs[slotId];
        if (!_isDue(slotId, request, log, period, _markingSeed(period))) {
            revert StorageMarketProofNotRequired(slotId, period);
        }
        if (log.isProven(period)) revert StorageMarketProofNotMissing(slotId, period);
        if (log.isMissMarked(period)) revert StorageMarketMissAlreadyMarked(slotId, period);
        uint256 reward = _slashMiss(requestId, request, slotId, slot, period, log.recordMiss(period));
        // Last, after every state change: a marker that reenters finds this miss marked.
        // (No reentrancy guard: it would cost 2,300 gas on every mark for nothing more.)
        Address.sendValue(payable(msg.sender), reward);
    }

    /// @inheritdoc IStorageMarket
    function freeSlot(SlotId slotId) external {
        RequestId requestId = slotId.requestId();
        RequestRecord storage request = _requests[requestId];
        RequestState state = _stateOf(request);
        if (state != RequestState.Started) revert StorageMarketRequestNotStarted(requestId, state);
        SlotRecord storage slot = _slots[slotId];
        if (slot.state != SlotState.Filled || slot.host != msg.sender) {
            revert StorageMarketNotSlotHost(slotId, msg.sender);
        }
        uint256 rest = _remainingCollateral(request, slotId, slot);
        _free(requestId, request, slotId, slot, rest);
        _slash(msg.sender, rest);
    }

    /// @inheritdoc IStorageMarket
    function collect(SlotId slotId) external nonReentrant {
        RequestId requestId = slotId.requestId();
        RequestRecord storage request = _requests[requestId];
        RequestState state = _settleState(requestId, request);
        SlotRecord storage slot = _slots[slotId];
        if (slot.state != SlotState.Filled || slot.host != msg.sender) {
            revert StorageMarketNotSlotHost(slotId, msg.sender);
        }
        if (!_hasEnded(state)) revert StorageMarketRequestNotEnded(requestId, state);
        (uint256 payment, uint256 collateral) = _payout(request, slotId, slot, state);
        slot.state = SlotState.Collected;
        emit PaymentCollected(slotId, msg.sender, payment, collateral);
        _registry.unlockCollateral(msg.sender, collateral);
        Address.sendValue(payable(msg.sender), payment);
    }

    /// @inheritdoc IStorageMarket
    function withdraw(RequestId requestId) external nonReentrant {
        RequestRecord storage request = _requests[requestId];
        if (request.client != msg.sender) revert StorageMarketNotClient(requestId, msg.sender);
        RequestState state = _settleState(requestId, request);
        if (!_hasEnded(state)) revert StorageMarketRequestNotEnded(requestId, state);
        if (request.withdrawn) revert StorageMarketAlreadyWithdrawn(requestId);
        uint256 amount = _clientShare(request, state);
        request.withdrawn = true;
        emit FundsWithdrawn(requestId, msg.sender, amount);
        Address.sendValue(payable(msg.sender), amount);
    }

    /// @inheritdoc IStorageMarket
    function recordSeed(Period period) external returns (bytes32) {
        return _recordSeed(period);
    }

    /// @inheritdoc IStorageMarket
    function config() external view returns (MarketConfig memory) {
        return MarketConfig({
            periodBlocks: _periodBlocks,
            markingWindow: _markingWindow,
            proofSamples: _proofSamples,
            cellSize: _cellSize,
            slashPercentage: _slashPercentage,
            validatorRewardPercentage: _validatorRewardPercentage,
            maxMissedProofs: _maxMissedProofs,
            repairRewardPercentage: _repairRewardPercentage,
            maxDuration: _maxDuration,
            maxSlots: _maxSlots,
            minSlotSize: _minSlotSize,
            maxSlotSize: _maxSlotSize
        });
    }

    /// @inheritdoc IStorageMarket
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc IStorageMarket
    function requestInfo(RequestId requestId) external view returns (RequestInfo memory) {
        RequestRecord storage request = _requests[requestId];
        return RequestInfo({
            client: request.client,
            state: _stateOf(request),
            slots: request.slots,
            dataSlots: request.dataSlots,
            filledSlots: request.filledSlots,
            withdrawn: request.withdrawn,
            proofProbability: request.proofProbability,
            slotSize: request.slotSize,
            expiry: request.expiry,
            endsAt: request.endsAt,
            duration: request.duration,
            failedAt: request.failedAt,
            startPeriod: request.startPeriod,
            pricePerBytePerSecond: request.pricePerBytePerSecond,
            collateralPerByte: request.collateralPerByte,
            reservedPayment: request.reservedPayment,
            clientPool: request.clientPool
        });
    }

    /// @inheritdoc IStorageMarket
    function slotInfo(SlotId slotId) external view returns (SlotInfo memory) {
        SlotRecord storage slot = _slots[slotId];
        uint256 collateral = 0;
        if (slot.state == SlotState.Filled) {
            collateral = _remainingCollateral(_requests[slotId.requestId()], slotId, slot);
        }
        return SlotInfo({
            host: slot.host,
            state: slot.state,
            missedProofs: _proofLogs[slotId].missedProofs,
            repaired: slot.repaired,
            filledAt: slot.filledAt,
            filledPeriod: _proofLogs[slotId].filledPeriod,
            root: _slotRoots[slotId],
            collateral: collateral
        });
    }

    /// @inheritdoc IStorageMarket
    function currentPeriod() external view returns (Period) {
        return Periods.current(_periodBlocks);
    }

    /// @inheritdoc IStorageMarket
    function seedOf(Period period) external view returns (bytes32) {
        bytes32 seed = _seeds[period];
        if (seed == bytes32(0)) seed = period.blockHashSeed(_periodBlocks);
        return seed;
    }

    /// @inheritdoc IStorageMarket
    function isProofRequired(SlotId slotId, Period period) external view returns (bool) {
        RequestRecord storage request = _requests[slotId.requestId()];
        if (_stateOf(request) != RequestState.Started || _slots[slotId].state != SlotState.Filled) return false;
        return _isDue(slotId, request, _proofLogs[slotId], period, _seedOf(period));
    }

    /// @inheritdoc IStorageMarket
    function collectable(SlotId slotId) external view returns (uint256 payment, uint256 collateral) {
        RequestRecord storage request = _requests[slotId.requestId()];
        SlotRecord storage slot = _slots[slotId];
        RequestState state = _stateOf(request);
        if (slot.state == SlotState.Filled && _hasEnded(state)) return _payout(request, slotId, slot, state);
    }

    /// @inheritdoc IStorageMarket
    function withdrawable(RequestId requestId) external view returns (uint256) {
        RequestRecord storage request = _requests[requestId];
        RequestState state = _stateOf(request);
        if (request.withdrawn || !_hasEnded(state)) return 0;
        return _clientShare(request, state);
    }

    /// @inheritdoc IStorageMarket
    function requiredEscrow(uint256 slots, uint256 slotSize, uint256 pricePerBytePerSecond, uint256 duration)
        public
        pure
        returns (uint256)
    {
        return slots * slotSize * pricePerBytePerSecond * duration;
    }

    /// @dev One slot's proof for the current period, by the slot's host.
    function _submitProof(SlotId slotId, Proof calldata proof) private {
        Period period = _currentPeriodOf(proof);
        RequestId requestId = slotId.requestId();
        RequestRecord storage request = _requests[requestId];
        RequestState state = _stateOf(request);
        if (state != RequestState.Started) revert StorageMarketRequestNotStarted(requestId, state);
        SlotRecord storage slot = _slots[slotId];
        if (slot.state != SlotState.Filled || slot.host != msg.sender) {
            revert StorageMarketNotSlotHost(slotId, msg.sender);
        }
        ProofLogs.ProofLog storage log = _proofLogs[slotId];
        if (!_isDue(slotId, request, log, period, _recordSeed(period))) {
            revert StorageMarketProofNotRequired(slotId, period);
        }
        if (log.isProven(period)) revert StorageMarketProofAlreadySubmitted(slotId, period);
        _verifyProof(slotId, _slotRoots[slotId], request, proof, period);
        log.recordProof(period);
        emit ProofSubmitted(slotId, period);
    }

    /// @dev The current period, which `proof` must name.
    function _currentPeriodOf(Proof calldata proof) private view returns (Period current) {
        current = Periods.current(_periodBlocks);
        if (!(proof.period == current)) revert StorageMarketWrongPeriod(proof.period, current);
    }

    /// @dev Checks that `proof` shows the cells that `period`'s seed samples.
    function _verifyProof(
        SlotId slotId,
        bytes32 root,
        RequestRecord storage request,
        Proof calldata proof,
        Period period
    ) private {
        bytes32 seed = _recordSeed(period);
        bool valid = CellProofs.verify(
            proof.cells, proof.siblings, root, seed, slotId, request.slotSize / _cellSize, _cellSize, _proofSamples
        );
        if (!valid) revert StorageMarketInvalidProof(slotId);
    }

    /// @dev Slashes a marked miss, the host's `missedProofs`-th, and returns the marker's
    /// reward; the rest goes to the client's pool. At `maxMissedProofs` misses the host is
    /// freed and forfeits what is left.
    function _slashMiss(
        RequestId requestId,
        RequestRecord storage request,
        SlotId slotId,
        SlotRecord storage slot,
        Period period,
        uint256 missedProofs
    ) private returns (uint256 reward) {
        uint256 collateral = _collateral(request, slot.repaired);
        uint256 slashed = collateral * _slashPercentage / _PERCENT;
        reward = slashed * _validatorRewardPercentage / _PERCENT;
        request.clientPool += (slashed - reward).toUint120();
        emit ProofMissed(slotId, period, msg.sender, slashed, reward);
        address host = slot.host;
        if (missedProofs >= _maxMissedProofs) {
            // maxMissedProofs * slashPercentage <= 100 (config), so this does not underflow.
            uint256 rest = collateral - missedProofs * slashed;
            _free(requestId, request, slotId, slot, rest);
            slashed += rest;
        }
        _slash(host, slashed);
    }

    /// @dev Removes a slot's host, which forfeits its payment and `forfeited` more
    /// collateral to the client; fails the request when too few slots stay filled.
    function _free(
        RequestId requestId,
        RequestRecord storage request,
        SlotId slotId,
        SlotRecord storage slot,
        uint256 forfeited
    ) private {
        address host = slot.host;
        slot.state = SlotState.Repair;
        slot.host = address(0);
        request.reservedPayment -= (_rate(request) * (request.endsAt - slot.filledAt)).toUint120();
        request.clientPool += forfeited.toUint120();
        uint8 filledSlots = request.filledSlots - 1;
        request.filledSlots = filledSlots;
        emit SlotFreed(slotId, host, forfeited);
        if (filledSlots < request.dataSlots) {
            request.state = RequestState.Failed;
            request.failedAt = uint40(block.timestamp);
            emit RequestFailed(requestId);
        }
    }

    /// @dev Takes `amount` of `host`'s locked collateral; the registry sends it here.
    function _slash(address host, uint256 amount) private {
        if (amount == 0) return;
        address[] memory recipients = new address[](1);
        uint256[] memory shares = new uint256[](1);
        recipients[0] = address(this);
        shares[0] = amount;
        _registry.slash(host, amount, recipients, shares);
    }

    /// @dev Writes the state that time alone caused (Cancelled, Finished), announcing it
    /// once, and returns the current state.
    function _settleState(RequestId requestId, RequestRecord storage request) private returns (RequestState state) {
        state = _stateOf(request);
        if (state == request.state) return state;
        request.state = state;
        if (state == RequestState.Cancelled) emit RequestCancelled(requestId);
        else emit RequestFinished(requestId);
    }

    /// @dev Records `period`'s seed if it is not yet recorded, and returns it.
    function _recordSeed(Period period) private returns (bytes32 seed) {
        seed = _seeds[period];
        if (seed != bytes32(0)) return seed;
        seed = period.blockHashSeed(_periodBlocks);
        if (seed == bytes32(0)) revert StorageMarketSeedUnavailable(period);
        _seeds[period] = seed;
        emit SeedRecorded(period, seed);
    }

    /// @dev Blocks the designated provider's root commitment; see the header.
    function _openSlot(SlotId slotId, bytes32 slotRoot) private {
        bytes32 stored = _slotRoots[slotId];
        if (stored == slotRoot) return;
        if (stored != _designation(slotRoot, msg.sender)) revert StorageMarketNotDesignated(slotId, msg.sender);
        _slotRoots[slotId] = slotRoot;
    }

    /// @dev Reverts unless the filler's own offer accepts the request's terms.
    function _checkOffer(address provider, RequestRecord storage request) private view {
        IProviderRegistry.Offer memory offer = _registry.offerOf(provider);
        if (
            request.pricePerBytePerSecond < offer.pricePerBytePerSecond
                || request.collateralPerByte > offer.maxCollateralPerByte || request.duration < offer.minDuration
                || request.duration > offer.maxDuration || request.slotSize > offer.capacity
        ) revert StorageMarketOfferRejectsTerms(provider);
    }

    /// @dev `period`'s seed, recorded or readable, without recording it.
    function _seedOf(Period period) private view returns (bytes32 seed) {
        seed = _seeds[period];
        if (seed == bytes32(0)) seed = period.blockHashSeed(_periodBlocks);
        if (seed == bytes32(0)) revert StorageMarketSeedUnavailable(period);
    }

    /// @dev The seed of a period in its marking window. The config keeps the window within
    /// the 256 blocks whose hashes the EVM serves, so the block hash (20 gas) is always
    /// there and the recorded copy (a cold 2,100-gas read) is never needed.
    function _markingSeed(Period period) private view returns (bytes32) {
        return period.blockHashSeed(_periodBlocks);
    }

    /// @dev Whether the slot's current host owes a proof in `period`; see the header.
    function _isDue(
        SlotId slotId,
        RequestRecord storage request,
        ProofLogs.ProofLog storage log,
        Period period,
        bytes32 seed
    ) private view returns (bool) {
        return period > request.startPeriod && period > log.filledPeriod
            && Sampling.isProofRequired(seed, slotId, request.proofProbability);
    }

    /// @dev The current state, including transitions that time alone caused.
    function _stateOf(RequestRecord storage request) private view returns (RequestState) {
        RequestState state = request.state;
        if (state == RequestState.New && block.timestamp > request.expiry) return RequestState.Cancelled;
        if (state == RequestState.Started && block.timestamp >= request.endsAt) return RequestState.Finished;
        return state;
    }

    /// @dev What the slot's host gets once the request has ended in `state`.
    function _payout(RequestRecord storage request, SlotId slotId, SlotRecord storage slot, RequestState state)
        private
        view
        returns (uint256 payment, uint256 collateral)
    {
        collateral = _remainingCollateral(request, slotId, slot);
        if (state == RequestState.Finished) payment = _rate(request) * (request.endsAt - slot.filledAt);
        else if (state == RequestState.Failed) payment = _rate(request) * (request.failedAt - slot.filledAt);
    }

    /// @dev What the client gets once the request has ended in `state`; see the header.
    function _clientShare(RequestRecord storage request, RequestState state) private view returns (uint256 amount) {
        uint256 rate = _rate(request);
        amount = rate * request.slots * request.duration + request.clientPool;
        if (state == RequestState.Cancelled) return amount;
        amount -= request.reservedPayment;
        if (state == RequestState.Failed) {
            // The hosts in place are paid up to the failure, not to the end.
            amount += rate * request.filledSlots * (request.endsAt - request.failedAt);
        }
    }

    /// @dev The slot's collateral still locked: its full collateral less the slashes so far.
    function _remainingCollateral(RequestRecord storage request, SlotId slotId, SlotRecord storage slot)
        private
        view
        returns (uint256)
    {
        uint256 collateral = _collateral(request, slot.repaired);
        return collateral - _proofLogs[slotId].missedProofs * (collateral * _slashPercentage / _PERCENT);
    }

    /// @dev A slot's collateral, less the repair reward for a repair.
    function _collateral(RequestRecord storage request, bool repair) private view returns (uint256 collateral) {
        collateral = uint256(request.collateralPerByte) * request.slotSize;
        if (repair) collateral -= collateral * _repairRewardPercentage / _PERCENT;
    }

    /// @dev One slot's payment rate, in wei per second.
    function _rate(RequestRecord storage request) private view returns (uint256) {
        return uint256(request.pricePerBytePerSecond) * request.slotSize;
    }

    function _checkRequest(Request calldata request, uint256 slots) private view {
        if (slots == 0 || slots > _maxSlots) revert StorageMarketInvalidRequest("slotRoots");
        if (request.providers.length != 0 && request.providers.length != slots) {
            revert StorageMarketInvalidRequest("providers");
        }
        if (request.dataSlots == 0 || request.dataSlots > slots) revert StorageMarketInvalidRequest("dataSlots");
        uint256 slotSize = request.slotSize;
        if (slotSize < _minSlotSize || slotSize > _maxSlotSize || slotSize % _BLOCK_SIZE != 0) {
            revert StorageMarketInvalidRequest("slotSize");
        }
        if (request.duration == 0 || request.duration > _maxDuration) revert StorageMarketInvalidRequest("duration");
        if (request.expiry <= block.timestamp || request.expiry >= block.timestamp + request.duration) {
            revert StorageMarketInvalidRequest("expiry");
        }
        if (request.proofProbability == 0) revert StorageMarketInvalidRequest("proofProbability");
        if (request.cid.length == 0) revert StorageMarketInvalidRequest("cid");
    }

    /// @dev Checks every config bound; see `MarketConfig`.
    function _checkConfig(MarketConfig memory c) private pure {
        if (c.periodBlocks < 4 || c.periodBlocks > 255) revert StorageMarketInvalidConfig("periodBlocks");
        // The seed of a period must stay readable until its marking window closes, and the
        // proof logs' 64-period bitmaps must reach back over the whole window.
        if (
            c.markingWindow == 0 || c.periodBlocks + c.markingWindow > 256
                || c.markingWindow > (ProofLogs.SPAN - 2) * c.periodBlocks
        ) revert StorageMarketInvalidConfig("markingWindow");
        if (c.proofSamples == 0 || c.proofSamples > 64) revert StorageMarketInvalidConfig("proofSamples");
        if (c.cellSize < 32 || c.cellSize > _BLOCK_SIZE || c.cellSize & (c.cellSize - 1) != 0) {
            revert StorageMarketInvalidConfig("cellSize");
        }
        // All misses together must not slash more than the collateral.
        if (
            c.slashPercentage == 0 || c.maxMissedProofs == 0
                || uint256(c.slashPercentage) * c.maxMissedProofs > _PERCENT
        ) revert StorageMarketInvalidConfig("slashPercentage");
        if (c.validatorRewardPercentage > _PERCENT) revert StorageMarketInvalidConfig("validatorRewardPercentage");
        if (c.repairRewardPercentage >= _PERCENT) revert StorageMarketInvalidConfig("repairRewardPercentage");
        // 2^32 s is 136 years; with slots of at most 2^40 B, escrow products stay below 2^256.
        if (c.maxDuration == 0 || c.maxDuration > type(uint32).max) revert StorageMarketInvalidConfig("maxDuration");
        if (c.maxSlots == 0) revert StorageMarketInvalidConfig("maxSlots");
        if (
            c.minSlotSize < _BLOCK_SIZE || c.minSlotSize % _BLOCK_SIZE != 0 || c.maxSlotSize < c.minSlotSize
                || c.maxSlotSize % _BLOCK_SIZE != 0 || c.maxSlotSize > 1 << 40
        ) revert StorageMarketInvalidConfig("slotSize");
    }

    /// @dev The commitment a designated slot stores until its provider fills it.
    function _designation(bytes32 root, address provider) private pure returns (bytes32) {
        return keccak256(abi.encode(root, provider));
    }

    /// @dev Whether a request in `state` has ended, so that it pays out.
    function _hasEnded(RequestState state) private pure returns (bool) {
        return state == RequestState.Finished || state == RequestState.Failed || state == RequestState.Cancelled;
    }
}
