// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm, VM_ADDRESS} from "../Vm.sol";
import {UniformSlot} from "../UniformSlot.sol";
import {IProviderRegistry} from "../../interfaces/IProviderRegistry.sol";
import {IStorageMarket} from "../../interfaces/IStorageMarket.sol";
import {Period, Periods} from "../../types/Period.sol";
import {RequestId, RequestIds} from "../../types/RequestId.sol";
import {SlotId} from "../../types/SlotId.sol";

/// @notice Drives a StorageMarket through random requests, fills, proofs, marks, frees,
/// payouts and the passing of blocks and time, for the invariant tests. Every call is made
/// as one of a few actors; calls that the market refuses are simply dropped. Ghost flags
/// record anything that must never happen.
contract MarketHandler {
    Vm private constant _VM = Vm(VM_ADDRESS);
    uint256 private constant _SLOT_SIZE = 262_144;
    uint256 private constant _DEPTH = 10; // 1024 cells of 256 B
    uint256 private constant _CELL_SIZE = 256;
    uint256 private constant _SAMPLES = 8;
    uint256 private constant _PERIOD_BLOCKS = 10;

    IStorageMarket public immutable market;
    IProviderRegistry public immutable registry;

    address[4] public providers = [address(0x1001), address(0x1002), address(0x1003), address(0x1004)];
    address[2] public clients = [address(0x2001), address(0x2002)];
    address public constant VALIDATOR = address(0x3001);

    RequestId[] public requests;
    mapping(RequestId requestId => uint256) public escrowOf;

    mapping(SlotId slotId => bool) private _collected;
    mapping(RequestId requestId => bool) private _withdrawn;
    mapping(bytes32 slotAndPeriod => bool) private _marked;

    /// @notice Set if a proof was accepted from someone other than the slot's host.
    bool public proofByNonHost;
    /// @notice Set if a slot paid its host twice, a request its client twice, or a miss
    /// was rewarded twice.
    bool public paidTwice;

    uint256 public calls;
    uint256 public successes;
    /// @notice Successful calls per action, so a test can check the handler gets somewhere.
    mapping(bytes4 selector => uint256) public succeeded;

    constructor(IStorageMarket market_, IProviderRegistry registry_) {
        market = market_;
        registry = registry_;
        for (uint256 i = 0; i < providers.length; ++i) {
            _VM.deal(providers[i], 20 ether);
            _VM.prank(providers[i]);
            registry_.register{value: 20 ether}(
                IProviderRegistry.Offer({
                    pricePerBytePerSecond: 1,
                    maxCollateralPerByte: 1 ether,
                    minDuration: 1,
                    maxDuration: 365 days,
                    capacity: 1 << 40,
                    region: "test",
                    infrastructure: "test"
                }),
                "",
                new string[](0)
            );
        }
    }

    function request(
        uint256 clientSeed,
        uint256 slotsSeed,
        uint256 kSeed,
        uint256 probabilitySeed,
        uint256 durationSeed
    ) external {
        address client = clients[clientSeed % clients.length];
        uint256 slots = 1 + (slotsSeed % 4);
        uint64 duration = uint64(1000 + (durationSeed % 19_000));
        bytes32[] memory roots = new bytes32[](slots);
        bytes32 nonce = bytes32(requests.length);
        for (uint256 i = 0; i < slots; ++i) {
            roots[i] = _root(RequestIds.derive(client, nonce), i);
        }
        IStorageMarket.Request memory terms = IStorageMarket.Request({
            nonce: nonce,
            cid: hex"0171",
            slotRoots: roots,
            providers: new address[](0),
            slotSize: uint64(_SLOT_SIZE),
            dataSlots: uint8(1 + (kSeed % slots)),
            duration: duration,
            pricePerBytePerSecond: 1000,
            collateralPerByte: 1e12,
            proofProbability: uint16(1 + (probabilitySeed % 2)),
            expiry: uint64(block.timestamp + 60 + (durationSeed % 600))
        });
        uint256 escrow = slots * _SLOT_SIZE * 1000 * duration;
        _VM.deal(client, escrow);
        _VM.prank(client);
        calls++;
        RequestId requestId = market.requestStorage{value: escrow}(terms);
        _succeeded(this.request.selector);
        requests.push(requestId);
        escrowOf[requestId] = escrow;
    }

    function fill(uint256 requestSeed, uint256 slotSeed, uint256 providerSeed) external {
        if (requests.length == 0) return;
        (RequestId requestId, SlotId slotId, uint256 index) = _pick(requestSeed, slotSeed);
        address provider = providers[providerSeed % providers.length];
        _avoidFirstBlock();
        // Build everything before the prank: a call to the SHA-256 precompile would use it up.
        IStorageMarket.Proof memory proof = _proof(slotId, requestId, index);
        bytes32 root = _root(requestId, index);
        _VM.prank(provider);
        calls++;
        try market.fillSlot(slotId, root, proof) {
            _succeeded(this.fill.selector);
        } catch {}
    }

    function prove(uint256 requestSeed, uint256 slotSeed, uint256 actorSeed) external {
        if (requests.length == 0) return;
        (RequestId requestId, SlotId slotId, uint256 index) = _pick(requestSeed, slotSeed);
        // Mostly providers, sometimes a client: anyone may try to prove any slot.
        address actor = actorSeed % 5 == 4 ? clients[0] : providers[actorSeed % providers.length];
        _avoidFirstBlock();
        IStorageMarket.SlotProof[] memory proofs = new IStorageMarket.SlotProof[](1);
        proofs[0] = IStorageMarket.SlotProof({slotId: slotId, proof: _proof(slotId, requestId, index)});
        address host = market.slotInfo(slotId).host;
        _VM.prank(actor);
        calls++;
        try market.submitProofs(proofs) {
            _succeeded(this.prove.selector);
            if (actor != host) proofByNonHost = true;
        } catch {}
    }

    function mark(uint256 requestSeed, uint256 slotSeed, uint256 backSeed) external {
        if (requests.length == 0) return;
        (, SlotId slotId,) = _pick(requestSeed, slotSeed);
        uint256 current = block.number / _PERIOD_BLOCKS;
        uint256 back = 1 + (backSeed % 2);
        if (current < back) return;
        Period period = Period.wrap(uint64(current - back));
        _VM.prank(VALIDATOR);
        calls++;
        try market.markProofAsMissing(slotId, period) {
            _succeeded(this.mark.selector);
            bytes32 key = keccak256(abi.encode(slotId, period));
            if (_marked[key]) paidTwice = true;
            _marked[key] = true;
        } catch {}
    }

    function free(uint256 requestSeed, uint256 slotSeed, uint256 providerSeed) external {
        if (requests.length == 0) return;
        (, SlotId slotId,) = _pick(requestSeed, slotSeed);
        _VM.prank(_hostMostly(slotId, providerSeed));
        calls++;
        try market.freeSlot(slotId) {
            _succeeded(this.free.selector);
        } catch {}
    }

    function collect(uint256 requestSeed, uint256 slotSeed, uint256 providerSeed) external {
        if (requests.length == 0) return;
        (, SlotId slotId,) = _pick(requestSeed, slotSeed);
        _VM.prank(_hostMostly(slotId, providerSeed));
        calls++;
        try market.collect(slotId) {
            _succeeded(this.collect.selector);
            if (_collected[slotId]) paidTwice = true;
            _collected[slotId] = true;
        } catch {}
    }

    function withdraw(uint256 requestSeed, uint256 clientSeed) external {
        if (requests.length == 0) return;
        RequestId requestId = requests[requestSeed % requests.length];
        _VM.prank(clients[clientSeed % clients.length]);
        calls++;
        try market.withdraw(requestId) {
            _succeeded(this.withdraw.selector);
            if (_withdrawn[requestId]) paidTwice = true;
            _withdrawn[requestId] = true;
        } catch {}
    }

    /// @notice Moves the chain on: blocks (for periods) and seconds (for expiry and end).
    function advance(uint256 blocksSeed, uint256 secondsSeed) external {
        _VM.roll(block.number + 1 + (blocksSeed % 25));
        _VM.warp(block.timestamp + 1 + (secondsSeed % 3000));
    }

    function requestCount() external view returns (uint256) {
        return requests.length;
    }

    function providerCount() external pure returns (uint256) {
        return 4;
    }

    function _succeeded(bytes4 selector) private {
        successes++;
        succeeded[selector]++;
    }

    /// @dev The slot's host three times in four (so that frees and payouts happen), else
    /// any provider (so that refusals are exercised too).
    function _hostMostly(SlotId slotId, uint256 seed) private view returns (address) {
        address host = market.slotInfo(slotId).host;
        if (seed % 4 != 0 && host != address(0)) return host;
        return providers[seed % providers.length];
    }

    /// @dev A request the handler made and one of its slots (its index may be past the end).
    function _pick(uint256 requestSeed, uint256 slotSeed) private view returns (RequestId, SlotId, uint256) {
        RequestId requestId = requests[requestSeed % requests.length];
        uint256 index = slotSeed % 5;
        return (requestId, requestId.slot(index), index);
    }

    /// @dev A slot's data is one cell repeated, different per slot; so is its root.
    function _root(RequestId requestId, uint256 index) private pure returns (bytes32) {
        return UniformSlot.root(_cell(requestId, index), _DEPTH);
    }

    function _cell(RequestId requestId, uint256 index) private pure returns (bytes memory) {
        return UniformSlot.pattern(uint256(keccak256(abi.encode(requestId, index))), _CELL_SIZE);
    }

    /// @dev A valid proof for the current period. A uniform slot's proof shows the same
    /// cell and path at every index, so it does not depend on the seed.
    function _proof(SlotId, RequestId requestId, uint256 index) private view returns (IStorageMarket.Proof memory) {
        (bytes memory cells, bytes32[] memory siblings) = UniformSlot.proof(_cell(requestId, index), _DEPTH, _SAMPLES);
        return IStorageMarket.Proof({period: Periods.current(_PERIOD_BLOCKS), cells: cells, siblings: siblings});
    }

    /// @dev A period's seed is unreadable in its own first block.
    function _avoidFirstBlock() private {
        if (block.number % _PERIOD_BLOCKS == 0) _VM.roll(block.number + 1);
    }
}
